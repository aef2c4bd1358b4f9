#!/usr/bin/env bash
# LoRA fine-tuning with mlx-lm, with the users' defaults for the 30B model (seed phase 27).
#
#   scripts/train_lora.sh --model BASE --data DIR [--adapter-path DIR] [--iters N] [--batch-size N]
#                         [--learning-rate LR] [--num-layers N] [--save-every N] [--max-seq-length N]
#                         [-- extra mlx_lm lora flags]
#
# Every flag has an environment variable (the flag wins): LORA_MODEL, LORA_DATA,
# LORA_ADAPTER_PATH (adapters), LORA_ITERS (800), LORA_BATCH_SIZE (1), LORA_LEARNING_RATE (1e-4),
# LORA_NUM_LAYERS (8; a model with fewer layers needs a smaller value), LORA_SAVE_EVERY (200),
# LORA_MAX_SEQ_LENGTH (2048). The loss covers the assistant's answer only (--mask-prompt).
set -euo pipefail
source "$(dirname "$0")/mlx-env.sh"

model="${LORA_MODEL:-}"; data="${LORA_DATA:-}"; adapter_path="${LORA_ADAPTER_PATH:-adapters}"
iters="${LORA_ITERS:-800}"; batch_size="${LORA_BATCH_SIZE:-1}"; learning_rate="${LORA_LEARNING_RATE:-1e-4}"
num_layers="${LORA_NUM_LAYERS:-8}"; save_every="${LORA_SAVE_EVERY:-200}"; max_seq_length="${LORA_MAX_SEQ_LENGTH:-2048}"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --adapter-path) adapter_path="$2"; shift 2 ;;
    --iters) iters="$2"; shift 2 ;;
    --batch-size) batch_size="$2"; shift 2 ;;
    --learning-rate) learning_rate="$2"; shift 2 ;;
    --num-layers) num_layers="$2"; shift 2 ;;
    --save-every) save_every="$2"; shift 2 ;;
    --max-seq-length) max_seq_length="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) usage_error "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$model" ] || usage_error "--model (or LORA_MODEL) must name the base model directory"
[ -n "$data" ] || usage_error "--data (or LORA_DATA) must name a directory with train.jsonl and valid.jsonl"

run "$PYTHON" -m mlx_lm lora --model "$model" --train --data "$data" --fine-tune-type lora \
  --adapter-path "$adapter_path" --iters "$iters" --batch-size "$batch_size" --learning-rate "$learning_rate" \
  --num-layers "$num_layers" --save-every "$save_every" --max-seq-length "$max_seq_length" --mask-prompt \
  ${extra[@]+"${extra[@]}"}
