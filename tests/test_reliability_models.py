"""Unusable models fail each query with one line; odd model output is scored with a diagnosis, never raised.

Every run is a real ``pytest evals/`` process on a real tiny MLX model (random weights, see
``tinymodel.py``), on the 4-query mini suite.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from punie_pytester import MINI_SUITE
from reliability import build_never_eos_model, read_json, run_evals
from tinymodel import build_tiny_model, set_extra_eos

from punie_eval.generation.backends.mlx_backend import MlxBackend
from punie_eval.generation.cache import GenerationCache
from punie_eval.generation.prompts import turn1_messages
from punie_eval.queries import load_suite
from punie_eval.types import Response

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    (folder / "mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"))


def _no_model_files(model: Path) -> None:
    for path in model.iterdir():
        path.unlink()
    (model / "README.md").write_text("not a model\n", encoding="utf-8")


def _corrupt_weights(model: Path) -> None:
    (model / "model.safetensors").write_bytes(b"not safetensors")


def _unknown_architecture(model: Path) -> None:
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    (model / "config.json").write_text(json.dumps({**config, "model_type": "nosucharch"}), encoding="utf-8")


def _no_chat_template(model: Path) -> None:
    path = model / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    del config["chat_template"]
    path.write_text(json.dumps(config), encoding="utf-8")


def _no_tokenizer_files(model: Path) -> None:
    (model / "tokenizer.json").unlink()


def _tokenizer_encodes_nothing(model: Path) -> None:
    path = model / "tokenizer.json"
    tokenizer = json.loads(path.read_text(encoding="utf-8"))
    tokenizer["model"]["vocab"] = {k: v for k, v in tokenizer["model"]["vocab"].items() if v < 2}
    tokenizer["model"]["merges"] = []
    path.write_text(json.dumps(tokenizer), encoding="utf-8")


BROKEN = [
    (_no_model_files, "must be an MLX model directory (config.json and *.safetensors), got ['README.md']"),
    (_corrupt_weights, "cannot be loaded by mlx_lm: [load_safetensors] Invalid json header length"),
    (_unknown_architecture, "cannot be loaded by mlx_lm: Model type nosucharch not supported."),
    (_no_chat_template, "tokenizer must have a chat template"),
    (
        _no_tokenizer_files,
        "must hold tokenizer files (tokenizer.json, or vocab.json and merges.txt, or tokenizer.model)",
    ),
    (_tokenizer_encodes_nothing, "tokenizer must encode a 14-word probe to at least 4 distinct tokens, got []"),
]


@pytest.mark.parametrize(
    ("breakage", "message"),
    BROKEN,
    ids=[
        "not-a-model-directory",
        "corrupt-weights",
        "unknown-architecture",
        "no-chat-template",
        "no-tokenizer-files",
        "tokenizer-encodes-nothing",
    ],
)
def test_reliability_unusable_model_fails_each_query_with_one_line(
    tiny: Path, workdir: Path, tmp_path: Path, breakage: Any, message: str
) -> None:
    """Each query errors with 'generation failed: DIR: ...' (no traceback) and is recorded as not scored."""
    model = shutil.copytree(tiny, tmp_path / "model")
    breakage(model)
    out = run_evals(workdir, "--queries", "mini.json", "--model", model, "--no-cache", "--results", tmp_path / "r.json")
    assert out.returncode == pytest.ExitCode.TESTS_FAILED
    expected = f"generation failed: {model.resolve()}: {message}"
    lines = out.stdout.splitlines()
    setup_errors = [lines[i + 1] for i, line in enumerate(lines) if "ERROR at setup of test_query" in line]
    assert len(setup_errors) == len(MINI_SUITE["queries"])
    assert all(line.startswith(expected) for line in setup_errors)
    assert "Traceback" not in out.stdout + out.stderr
    assert "During handling" not in out.stdout
    failures = [q["failure"] for q in read_json(tmp_path / "r.json")["queries"]]
    assert all(f.startswith(f"not scored: {expected}") for f in failures)


@pytest.fixture(scope="module")
def never_eos_run(tmp_path_factory: pytest.TempPathFactory, workdir: Path) -> dict[str, Any]:
    """A run of a model that can never emit EOS (its EOS id is outside the vocabulary)."""
    folder = tmp_path_factory.mktemp("never-eos")
    model = build_never_eos_model(folder / "model")
    out = run_evals(
        workdir,
        "--queries",
        "mini.json",
        "--model",
        model,
        "--no-cache",
        "--max-tokens",
        "48",
        "--results",
        folder / "r.json",
    )
    assert (out.returncode, out.stdout.splitlines()[-1].split(" in ")[0].strip("= ")) == (1, "4 failed")
    return dict(read_json(folder / "r.json"))


def test_reliability_never_eos_is_diagnosed_max_tokens(never_eos_run: dict[str, Any]) -> None:
    """Every turn hits max tokens: finish reason 'length', diagnosed max_tokens, failed strict, no error."""
    turns = [t for q in never_eos_run["queries"] for t in q["turns"]]
    assert {t["finish_reason"] for t in turns} == {"length"}
    assert all("max_tokens" in (t["diagnosis"]["label"], *t["diagnosis"]["also"]) for t in turns)
    assert never_eos_run["summary"]["overall"]["strict"] == 0


def test_reliability_invalid_utf8_output_is_scored(never_eos_run: dict[str, Any]) -> None:
    """Byte tokens that are not valid UTF-8 decode to U+FFFD; the response is scored and written like any other."""
    responses = [t["response"] for q in never_eos_run["queries"] for t in q["turns"]]
    assert any("\ufffd" in text for text in responses)
    assert all(q["failure"] and not q["failure"].startswith("not scored") for q in never_eos_run["queries"])


def _first_tokens(model: Path) -> set[int]:
    suite = load_suite(model.parent / "mini.json")
    backend = MlxBackend(model, canary=0)
    prompts = [backend.render(turn1_messages(suite, q)) for q in suite.queries]
    return {g.token_ids[0] for g in backend.generate_batch(prompts, 1)}


def test_reliability_empty_output_is_scored(tiny: Path, workdir: Path, tmp_path: Path) -> None:
    """A model whose first token is EOS answers nothing: scored 'empty' with a reason, never an exception."""
    model = shutil.copytree(tiny, workdir / "stops-at-once")
    for token in _first_tokens(model):
        set_extra_eos(model, token)
    out = run_evals(workdir, "--queries", "mini.json", "--model", model, "--no-cache", "--results", tmp_path / "r.json")
    assert out.returncode == pytest.ExitCode.TESTS_FAILED
    queries = read_json(tmp_path / "r.json")["queries"]
    turns = [t for q in queries for t in q["turns"]]
    assert {(t["response"], t["finish_reason"], t["diagnosis"]["label"]) for t in turns} == {("", "stop", "empty")}
    assert all(q["failure"] and not q["failure"].startswith("not scored") for q in queries)


def test_reliability_lone_surrogate_output_is_written(workdir: Path, tmp_path: Path) -> None:
    """A response holding a lone surrogate (escaped in a server's or replay's JSON) is scored, written and read back."""
    text = "I'll check \udc80 now."
    replay = {"status": [text], "log": [""], "symbols": ["\x00\ufffd"], "protocol": ["Use a Protocol."]}
    (tmp_path / "replay.jsonl").write_text(
        "".join(json.dumps({"id": k, "responses": v}) + "\n" for k, v in replay.items()), encoding="ascii"
    )
    out = run_evals(
        workdir,
        "--queries",
        "mini.json",
        "--backend",
        "replay",
        "--replay",
        tmp_path / "replay.jsonl",
        "--results",
        tmp_path / "r.json",
    )
    assert out.returncode == pytest.ExitCode.TESTS_FAILED, out.stdout[-2000:]
    written = {q["id"]: q["turns"][0]["response"] for q in read_json(tmp_path / "r.json")["queries"]}
    assert written == {k: v[0] for k, v in replay.items()}


def test_reliability_lone_surrogate_survives_the_cache(tmp_path: Path) -> None:
    """The generation cache stores and returns such a response unchanged."""
    store = GenerationCache(tmp_path)
    store.put("ab" * 32, Response("x\udc80y", "length", 3))
    assert store.get("ab" * 32) == Response("x\udc80y", "length", 3)
