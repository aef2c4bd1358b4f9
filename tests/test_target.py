"""RunTarget and Decoding: every bad combination is one UsageError when the value is made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from punie_eval.errors import UsageError
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.paths import reference_model_dir


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "mlx"}, "--model must name the model directory for the mlx backend"),
        ({"backend": "openai", "base_url": "http://h/v1"}, "--model must name the model the server serves"),
        ({"backend": "openai", "model": "M"}, "--backend openai needs --base-url"),
        ({"backend": "openai", "model": "M", "base_url": "127.0.0.1:8080"}, "--base-url must start with http://"),
        ({"backend": "mlx", "model": "M", "base_url": "http://127.0.0.1:1"}, "--base-url is for the openai backend"),
        ({"backend": "replay"}, "--backend replay needs --replay FILE"),
        ({"backend": "mlx", "model": "M", "replay": Path("r.jsonl")}, "--replay is for the replay backend"),
        ({"backend": "vllm", "model": "M"}, "--backend must be one of mlx, openai, replay; got 'vllm'"),
        ({"backend": "openai", "model": "M", "base_url": "http://h", "adapter": Path("A")}, "--adapter is for the mlx"),
    ],
    ids=["mlx-no-model", "openai-no-model", "openai-no-url", "bad-url", "url-with-mlx", "replay-no-file",
         "replay-with-mlx", "unknown-backend", "adapter-with-openai"],
)  # fmt: skip
def test_target_bad_combinations_are_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    """A backend without the option it needs, or with another backend's option, is refused in one line."""
    with pytest.raises(UsageError, match=message) as info:
        RunTarget(**kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_tokens": 0}, "--max-tokens must be a positive integer"),
        ({"max_tokens": True}, "--max-tokens must be a positive integer"),
        ({"temperature": -0.1}, "--temperature must be a finite number >= 0"),
        ({"temperature": float("nan")}, "--temperature must be a finite number >= 0"),
        ({"top_p": 0.0}, r"--top-p must be in \(0, 1\]"),
        ({"top_p": float("inf")}, r"--top-p must be in \(0, 1\]"),
    ],
    ids=["zero-tokens", "bool-tokens", "negative-temperature", "nan-temperature", "zero-top-p", "inf-top-p"],
)
def test_target_bad_decoding_is_a_usage_error(kwargs: dict[str, Any], message: str) -> None:
    """Decoding settings are checked when made."""
    with pytest.raises(UsageError, match=message):
        Decoding(**kwargs)


def test_target_local_names_the_model_folder() -> None:
    """A local target is resolved to an absolute path and named after its folder."""
    target = RunTarget.local(reference_model_dir())
    assert target.model is not None
    assert target.model.is_absolute()
    assert (target.backend, target.name) == ("mlx", "reference-model")


def test_target_decoding_json_is_one_form() -> None:
    """The greedy default's JSON form (cache keys and results metadata both use it)."""
    assert Decoding().as_dict() == {"max_tokens": 512, "temperature": 0.0, "top_p": 1.0, "seed": None}
    assert Decoding().greedy
