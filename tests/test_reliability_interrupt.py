"""Interruption and concurrency: nothing half-written, nothing corrupt, whatever was cached is reused.

Real ``pytest evals/`` processes on a real tiny model that never emits EOS (so every prompt
generates ``--max-tokens`` tokens and generation takes seconds), interrupted with real signals.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from punie_pytester import MINI_REPLAY, MINI_SUITE, replay_lines
from reliability import (
    build_never_eos_model,
    cache_entries,
    child_env,
    default_sigint,
    evals_command,
    read_json,
    run_evals,
    stray_files,
)

from punie_eval.generation.cache import GenerationCache
from punie_eval.queries import load_suite

pytestmark = pytest.mark.slow
MAX_TOKENS = "1024"  # several seconds of batched generation for the 57 queries
SUITE = load_suite()
GENERATION = "mlx_lm/generate.py"  # where a signal mid-generation strikes


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_never_eos_model(tmp_path_factory.mktemp("never-eos") / "model")


def _start(cwd: Path, name: str, *args: str | Path) -> subprocess.Popen[bytes]:
    """A pytest evals/ process with stdout and stderr going to files (read while it runs)."""
    with (cwd / f"{name}.out").open("wb") as out, (cwd / f"{name}.err").open("wb") as err:
        return subprocess.Popen(
            evals_command(*args), cwd=cwd, env=child_env(), stdout=out, stderr=err, preexec_fn=default_sigint
        )


def _text(cwd: Path, name: str, stream: str) -> str:
    return (cwd / f"{name}.{stream}").read_bytes().decode("utf-8", "backslashreplace")


def _wait_for(cwd: Path, name: str, stream: str, needle: str, count: int = 1, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _text(cwd, name, stream).count(needle) < count:
        assert time.monotonic() < deadline, f"{needle!r} never appeared in {name}.{stream}"
        time.sleep(0.05)


def _wait_for_library(pid: int, name: str, timeout: float = 60) -> None:
    """Until the process has mapped a shared library whose path contains ``name`` (Linux /proc)."""
    deadline = time.monotonic() + timeout
    while name not in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"process {pid} never loaded {name}"
        time.sleep(0.02)


def _valid_entries(cache_dir: Path) -> int:
    """How many cache entries read back as responses under their own key (all must)."""
    store = GenerationCache(cache_dir)
    entries = cache_entries(cache_dir)
    assert all(store.get(path.stem) is not None for path in entries)
    return len(entries)


def _records(results: Path, category: str) -> list[dict[str, Any]]:
    return [q for q in read_json(results)["queries"] if q["category"] == category]


def _interrupt(cwd: Path, sig: signal.Signals, delay: float, *args: str | Path) -> tuple[int, str]:
    """Start a run, send ``sig`` ``delay`` seconds after the model loaded; its exit code and stdout."""
    run = _start(cwd, sig.name, *args)
    _wait_for_library(run.pid, "tokenizers")  # loaded last by mlx_lm.load: generation starts right after
    time.sleep(delay)
    run.send_signal(sig)
    return run.wait(timeout=60), _text(cwd, sig.name, "out")


def _interrupted_in(out: str) -> list[str]:
    """Where each KeyboardInterrupt struck, as ``package/file.py`` (from pytest's ``path:N: KeyboardInterrupt``)."""
    lines = [line.split(":")[0] for line in out.splitlines() if line.endswith(": KeyboardInterrupt")]
    return ["/".join(Path(line).parts[-2:]) for line in lines]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="watches /proc/PID/maps for the model load")
def test_reliability_interrupted_generation_resumes_from_cache(model: Path, tmp_path: Path) -> None:
    """Ctrl-C, then SIGTERM, mid-generation: results file and cache intact; the re-run reuses every cached answer."""
    common = ("--model", model, "--cache-dir", tmp_path / "cache", "--max-tokens", MAX_TOKENS)
    results = tmp_path / "results.json"
    first = run_evals(tmp_path, *common, "-m", "direct_answers", "--results", results)
    cached = len(_records(results, "direct_answers"))
    assert (first.returncode, _valid_entries(tmp_path / "cache")) == (1, cached)
    before = results.read_bytes()
    shutil.copytree(tmp_path / "cache", tmp_path / "cache-after-first")

    # A busy machine may still be loading the model after 0.5 s; a fast one may have finished
    # generating by 2 s. A missed attempt may have cached every answer (the next run would then
    # never load the model), so each attempt starts from the cache the first run left.
    for delay in (0.5, 1.0, 2.0, 3.0):
        shutil.rmtree(tmp_path / "cache")
        shutil.copytree(tmp_path / "cache-after-first", tmp_path / "cache")
        code, out = _interrupt(tmp_path, signal.SIGINT, delay, *common, "--results", results)
        if _interrupted_in(out) == [GENERATION]:
            break
    assert code == pytest.ExitCode.INTERRUPTED, out[-2000:]
    assert _interrupted_in(out) == [GENERATION], out[-2000:]
    code, _ = _interrupt(tmp_path, signal.SIGTERM, delay, *common, "--results", results)
    assert code == -signal.SIGTERM
    assert results.read_bytes() == before
    assert (_valid_entries(tmp_path / "cache"), stray_files(tmp_path / "cache")) == (cached, [])

    again = run_evals(tmp_path, *common, "--results", results)
    assert again.returncode == pytest.ExitCode.TESTS_FAILED
    assert f"generating {len(SUITE.queries) - cached} turn-1 prompts, {cached} cached" in again.stderr
    assert _records(results, "direct_answers") == json.loads(before)["queries"]  # the cached answers, rescored
    assert len(read_json(results)["queries"]) == len(SUITE.queries)


INTERRUPTER = """
import os
import signal


def pytest_runtest_teardown(item):
    if item.name == "test_query[log]":
        os.kill(os.getpid(), signal.SIGINT)
"""


def test_reliability_interrupted_after_scoring_keeps_results_file(tmp_path: Path) -> None:
    """Ctrl-C after some queries were scored: the existing results file is not replaced by partial results."""
    (tmp_path / "mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    (tmp_path / "replay.jsonl").write_text(replay_lines(MINI_REPLAY), encoding="utf-8")
    (tmp_path / "interrupter.py").write_text(INTERRUPTER, encoding="utf-8")
    args = ("--queries", "mini.json", "--backend", "replay", "--replay", "replay.jsonl", "--results", "r.json")
    assert run_evals(tmp_path, *args).returncode == pytest.ExitCode.TESTS_FAILED
    before = (tmp_path / "r.json").read_bytes()

    out = run_evals(tmp_path, *args, "-p", "interrupter")
    assert out.returncode == pytest.ExitCode.INTERRUPTED
    assert "results not written: the run was interrupted (r.json left as it was)" in out.stdout
    assert (tmp_path / "r.json").read_bytes() == before
    assert len(read_json(tmp_path / "r.json")["queries"]) == len(MINI_SUITE["queries"])


def test_reliability_concurrent_runs_share_one_cache(model: Path, tmp_path: Path) -> None:
    """Two runs started together on one cache dir: one generates, the other waits and reads; nothing corrupt."""
    cache = tmp_path / "cache"
    cache.mkdir()
    runs = {}
    with FileLock(str(cache / "generate.lock")):  # both runs reach the lock before either may take it
        for name in ("a", "b"):
            args = ("--model", model, "--cache-dir", cache, "--max-tokens", "64", "--results", f"{name}.json", "-q")
            runs[name] = _start(tmp_path, name, *args)
        for name in runs:
            _wait_for(tmp_path, name, "err", "waiting for another worker to finish generating")
    codes = {name: run.wait(timeout=120) for name, run in runs.items()}

    assert codes == {"a": 1, "b": 1}
    n = len(SUITE.queries)
    said = sorted(
        "generated" if f"generating {n} turn-1 prompts" in err else "read" if f"all {n} from the cache" in err else err
        for err in (_text(tmp_path, name, "err") for name in runs)
    )
    assert said == ["generated", "read"]
    a, b = (read_json(tmp_path / f"{name}.json")["queries"] for name in runs)
    assert a == b
    prompts = sum(len(q["turns"]) for q in a)  # turn 1 of each query, turn 2 where turn 1 called a tool
    assert (_valid_entries(cache), stray_files(cache)) == (prompts, [])
