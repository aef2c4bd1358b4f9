#!/usr/bin/env bash
# Quantize a (fused) model with mlx-lm: 5 bits, group size 64 by default, as the users ship.
#
#   scripts/quantize.sh --model DIR [--out DIR] [--q-bits N] [--q-group-size N]
#
# Environment equivalents (the flag wins): QUANT_MODEL, QUANT_OUT (MODEL-5bit), QUANT_BITS (5),
# QUANT_GROUP_SIZE (64; must divide the hidden and intermediate sizes or those layers stay float).
# The output directory must not exist yet.
set -euo pipefail
source "$(dirname "$0")/mlx-env.sh"

model="${QUANT_MODEL:-}"; out="${QUANT_OUT:-}"; bits="${QUANT_BITS:-5}"; group_size="${QUANT_GROUP_SIZE:-64}"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --q-bits) bits="$2"; shift 2 ;;
    --q-group-size) group_size="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) usage_error "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$model" ] || usage_error "--model (or QUANT_MODEL) must name the model directory"
[ -n "$out" ] || out="${model%/}-${bits}bit"
[ ! -e "$out" ] || usage_error "--out must not exist, got $out"

run "$PYTHON" -m mlx_lm convert --model "$model" --mlx-path "$out" -q --q-bits "$bits" --q-group-size "$group_size"
