#!/usr/bin/env bash
# Fuse LoRA adapters into the base model with mlx-lm, dequantized (the users' pipeline
# re-quantizes afterwards with quantize.sh).
#
#   scripts/fuse.sh --model BASE [--adapter-path DIR] [--save-path DIR] [--no-dequantize]
#
# Environment equivalents (the flag wins): FUSE_MODEL, FUSE_ADAPTER_PATH (adapters),
# FUSE_SAVE_PATH (fused_model), FUSE_DEQUANTIZE (1; 0 keeps a quantized base quantized).
set -euo pipefail
source "$(dirname "$0")/mlx-env.sh"

model="${FUSE_MODEL:-}"; adapter_path="${FUSE_ADAPTER_PATH:-adapters}"; save_path="${FUSE_SAVE_PATH:-fused_model}"
dequantize="${FUSE_DEQUANTIZE:-1}"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --adapter-path) adapter_path="$2"; shift 2 ;;
    --save-path) save_path="$2"; shift 2 ;;
    --dequantize) dequantize=1; shift ;;
    --no-dequantize) dequantize=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) usage_error "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$model" ] || usage_error "--model (or FUSE_MODEL) must name the base model directory"
flags=()
[ "$dequantize" = "1" ] && flags+=(--dequantize)

run "$PYTHON" -m mlx_lm fuse --model "$model" --adapter-path "$adapter_path" --save-path "$save_path" \
  ${flags[@]+"${flags[@]}"}
