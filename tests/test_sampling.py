"""Sampling on the real reference model: seeded draws that batching, caching and order cannot change."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import child_env

from punie_eval import RunResult, RunTarget, evaluate
from punie_eval.evaluation.target import Decoding
from punie_eval.generation.cache import cache_key
from punie_eval.paths import reference_model_dir

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
QUERIES = ["st_git_status", "st_git_log", "fa_reference_count", "mt_ruff_summary", "da_protocol_vs_abc"]
HOT = Decoding(max_tokens=96, temperature=1.0, seed=5)


def _texts(result: RunResult) -> list[list[str]]:
    return [[t.response for r in rec.outcomes for t in r.turns] for rec in result.records]


def _run(target: RunTarget, decoding: Decoding = HOT, repeats: int = 3, cache: Path | None = None) -> RunResult:
    return evaluate(None, target, decoding, queries=QUERIES, repeats=repeats, cache=cache, progress=None)


def test_sampling_same_seed_same_draws_whatever_the_batch() -> None:
    """The same seed gives the same K draws decoded all at once or one sequence at a time; another seed differs."""
    model = reference_model_dir()
    wide = _run(RunTarget.local(model))
    narrow = _run(RunTarget("mlx", model=model, batch_size=1, canary=0))
    other = _run(RunTarget.local(model), Decoding(max_tokens=96, temperature=1.0, seed=6))
    assert _texts(wide) == _texts(narrow)
    assert _texts(wide) != _texts(other)
    assert {len(r.outcomes) for r in wide.records} == {3}
    assert all(text for texts in _texts(wide) for text in texts)  # every draw is an answer, not nothing
    assert len({tuple(texts) for texts in _texts(wide)}) > 1
    assert wide.metadata["repeats"] == 3
    assert wide.metadata["decoding"]["seed"] == 5


def test_sampling_cache_keys_each_repeat(tmp_path: Path) -> None:
    """Each repeat is its own cache entry: K=5 after K=3 (same seed) generates only repeats 3 and 4."""
    target = RunTarget.local(reference_model_dir())
    three = _run(target, cache=tmp_path)
    assert three.metadata["timings"]["generation_s"] > 0
    again = _run(target, cache=tmp_path)
    assert _texts(again) == _texts(three)
    assert again.metadata["model_loads"] == 0
    five = _run(target, repeats=5, cache=tmp_path)
    assert [texts[: len(old)] for texts, old in zip(_texts(five), _texts(three), strict=True)] == _texts(three)
    entries = list((tmp_path / "generations").rglob("*.json"))
    turn2 = sum(1 for rec in five.records for r in rec.outcomes if len(r.turns) == 2)
    assert len(entries) == 5 * len(QUERIES) + turn2


def test_sampling_greedy_keys_are_unchanged() -> None:
    """A greedy run's cache key has no repeat index: the keys of earlier versions still hit."""
    args = {"model_hash": "h", "messages": [{"role": "user", "content": "x"}], "versions": {}, "blas": "b"}
    greedy = cache_key(**args, decoding=Decoding().as_dict(), backend="mlx")
    assert greedy == cache_key(**args, decoding=Decoding().as_dict(), backend="mlx", sample=None)
    assert greedy != cache_key(**args, decoding=Decoding().as_dict(), backend="mlx", sample=0)


def test_sampling_under_xdist_generates_once(tmp_path: Path) -> None:
    """`pytest evals/ -n 2 --temperature 0.8 --repeats 2`: both workers draw one seed, so one batch of 2 x 57."""
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "pytest", "evals/", "-p", "no:cacheprovider", "--cache-dir", str(tmp_path / "c")]
    command += ["-n", "2", "--temperature", "0.8", "--repeats", "2", "--results", str(results), "-m", "not data"]
    command += ["--no-history"]  # run in the repository: keep its history as it was
    done = subprocess.run(command, cwd=REPO, env=child_env(), capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    assert [int(n) for n in re.findall(r"generating (\d+) turn-1 prompts", output)] == [114], output[-3000:]
    assert "snapshot test(s) skipped: snapshots record greedy answers" in output
    assert re.search(r"pass\^2 \(every time\)", output)
    doc = json.loads(results.read_text())
    assert doc["metadata"]["repeats"] == 2
    assert doc["summary"]["overall"]["n"] == 114
    assert all(len(q["repeats"]) == 2 for q in doc["queries"])


def test_sampling_served_model_honours_each_request_seed(tmp_path: Path) -> None:
    """Through a real mlx_lm.server: temperature, top_p and each repeat's own seed are sent, so two runs agree."""
    from mlx_server import serve_mlx

    with serve_mlx(reference_model_dir(), tmp_path) as url:
        target = RunTarget.served(url, reference_model_dir(), concurrency=1)  # the server seeds one global RNG
        first, second = _run(target, repeats=2), _run(target, repeats=2)
    assert _texts(first) == _texts(second)
    assert len({text for texts in _texts(first) for text in texts}) > len(QUERIES)  # the repeats are real draws
    assert first.metadata["backend"] == "openai"
    assert first.metadata["repeats"] == 2
