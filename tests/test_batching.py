"""Bounded memory: --batch-size caps the sequences in flight, auto sizes it from the KV cache, greedy text holds."""

from __future__ import annotations

import pytest

from punie_eval.generation.backends.mlx_backend import MlxBackend
from punie_eval.generation.batching import kv_bytes_per_token, plan_batch, read_config
from punie_eval.generation.prompts import turn1_messages
from punie_eval.paths import reference_model_dir
from punie_eval.queries import load_suite

# Qwen3-Coder-30B-A3B's config.json numbers (the users' model): 48 layers, 4 KV heads of 128, bf16.
QWEN3_CODER_30B = {"num_hidden_layers": 48, "num_key_value_heads": 4, "head_dim": 128, "torch_dtype": "bfloat16",
                   "hidden_size": 2048, "num_attention_heads": 32}  # fmt: skip
GiB = 2**30


def test_batching_kv_bytes_per_token_from_config() -> None:
    """2 x layers x KV heads x head dim x activation bytes: 96 KiB for the 30B model, 1 KiB for the reference."""
    assert kv_bytes_per_token(QWEN3_CODER_30B) == 96 * 1024
    assert kv_bytes_per_token(read_config(reference_model_dir())) == 2 * 2 * 2 * 32 * 4
    no_head_dim = {k: v for k, v in QWEN3_CODER_30B.items() if k != "head_dim"}
    assert kv_bytes_per_token(no_head_dim) == 2 * 48 * 4 * (2048 // 32) * 2
    assert kv_bytes_per_token({"text_config": QWEN3_CODER_30B}) == 96 * 1024
    assert kv_bytes_per_token({"model_type": "unknown"}) is None


@pytest.mark.parametrize(
    ("requested", "available", "size", "reason"),
    [
        ("auto", 8 * GiB, 39, "auto: 96.0 KiB KV per token x (longest prompt 600 + 512 new) = 104.2 MiB a sequence"),
        ("auto", 1 * GiB, 4, "50% of 1.0 GiB available fits 4"),
        ("auto", 1024, 1, "fits 1"),
        ("auto", 1000 * GiB, 57, "fits 4911"),
        ("auto", None, 57, "auto: available memory unknown, all 57 prompts at once"),
        (16, 1 * GiB, 16, "--batch-size 16"),
        (100, 1 * GiB, 57, "--batch-size 100"),
        (None, 1 * GiB, 57, "all 57 prompts at once"),
    ],
    ids=["auto-8g", "auto-1g", "auto-tiny", "auto-huge", "auto-unknown", "fixed", "fixed-above-prompts", "unset"],
)
def test_batching_plan(requested: int | str | None, available: int | None, size: int, reason: str) -> None:
    """auto fits the worst-case KV cache of a batch in half the free memory; a fixed size is used as given."""
    plan = plan_batch(requested, 57, 600, 512, QWEN3_CODER_30B, available)  # type: ignore[arg-type]
    assert plan.size == size
    assert reason in plan.reason


@pytest.mark.slow
def test_batching_greedy_text_is_the_same_at_every_batch_size() -> None:
    """The reference model's greedy answers to all 57 prompts are identical decoded 1, 7 or all at a time."""
    suite = load_suite()
    texts = {}
    for size in (1, 7, "auto"):
        backend = MlxBackend(reference_model_dir(), canary=0, batch_size=size)  # type: ignore[arg-type]
        prompts = [backend.render(turn1_messages(suite, q)) for q in suite.queries]
        texts[size] = [g.token_ids for g in backend.generate_batch(prompts, 32)]
    assert texts[1] == texts[7] == texts["auto"]
    assert len(set(texts[1])) > 10  # real, varied answers
