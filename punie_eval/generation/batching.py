"""How many sequences to decode at once: a batch's KV cache must fit in the memory left beside the weights.

Every sequence in flight holds keys and values for each of its tokens in every layer::

    KV bytes per token = 2 (K and V) x layers x KV heads x head dim x bytes per activation

(Qwen3-Coder-30B-A3B, fp16: 2 x 48 x 4 x 128 x 2 = 96 KiB; the reference model: 512 B). A
sequence grows to at most ``longest prompt + max_tokens`` tokens, so ``auto`` picks the
largest batch whose worst case fits in half the memory available after the model is loaded
(the other half is left to the activations, the rest of the system and the user), and never
more than the number of prompts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

KV_SHARE = 0.5  # of the available memory, for the batch's KV cache
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


@dataclass(frozen=True)
class BatchPlan:
    """The batch size and the sentence that says why (printed before generating)."""

    size: int
    reason: str


def kv_bytes_per_token(config: Mapping[str, Any]) -> int | None:
    """KV-cache bytes one token takes, from a model's config.json; None when the config does not say."""
    nested = config.get("text_config")  # multimodal configs keep the language model's numbers here
    text: Mapping[str, Any] = nested if isinstance(nested, dict) else config
    try:
        layers = int(text["num_hidden_layers"])
        heads = int(text.get("num_key_value_heads") or text["num_attention_heads"])
        head_dim = int(text.get("head_dim") or int(text["hidden_size"]) // int(text["num_attention_heads"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    width = DTYPE_BYTES.get(str(text.get("torch_dtype") or config.get("torch_dtype") or "float16"), 2)
    return 2 * layers * heads * head_dim * width


def read_config(model_dir: Path) -> dict[str, Any]:
    try:
        raw = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def available_memory() -> int | None:
    """Bytes the batch may still use: Linux's MemAvailable; on a Mac, Metal's working set left."""
    if sys.platform == "darwin":
        try:
            import mlx.core as mx

            limit = int(mx.device_info()["max_recommended_working_set_size"])
            return max(0, limit - int(mx.get_active_memory()))
        except (ImportError, KeyError, TypeError, AttributeError, RuntimeError):
            return None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _size(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def plan_batch(
    requested: int | Literal["auto"] | None,
    prompts: int,
    longest_prompt: int,
    max_tokens: int,
    config: Mapping[str, Any],
    available: int | None,
) -> BatchPlan:
    """The batch size for ``prompts`` prompts: the requested one, or ``auto``'s choice with its reason."""
    if requested is None:
        return BatchPlan(prompts, f"all {prompts} prompts at once")
    if requested != "auto":
        return BatchPlan(min(requested, prompts), f"--batch-size {requested}")
    per_token = kv_bytes_per_token(config)
    if per_token is None or available is None:
        unknown = "KV size" if per_token is None else "available memory"
        return BatchPlan(prompts, f"auto: {unknown} unknown, all {prompts} prompts at once")
    per_sequence = per_token * (longest_prompt + max_tokens)
    fits = max(1, int(KV_SHARE * available // per_sequence))
    size = min(prompts, fits)
    why = (
        f"auto: {_size(per_token)} KV per token x (longest prompt {longest_prompt} + {max_tokens} new) = "
        f"{_size(per_sequence)} a sequence; {KV_SHARE:.0%} of {_size(available)} available fits {fits}"
    )
    return BatchPlan(size, why)


__all__ = ["BatchPlan", "available_memory", "kv_bytes_per_token", "plan_batch", "read_config"]
