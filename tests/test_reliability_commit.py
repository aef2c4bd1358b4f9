"""Nothing finished is lost: each conversation is committed to the cache the moment it finishes.

Real ``pytest evals/`` runs of the reference model decoding two sequences at a time
(``--batch-size 2``), so answers finish one after another; the run is stopped by a real
signal (Ctrl-C, or SIGKILL for a crash; SIGTERM kills like SIGKILL) once some answers are in the cache, or its
cache sits on a real, tiny tmpfs that fills up. The re-run generates only what is missing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability import cache_entries, child_env, default_sigint, evals_command, read_json, run_evals, stray_files

from punie_eval.generation.cache import GenerationCache
from punie_eval.queries import load_suite

pytestmark = pytest.mark.slow
N = len(load_suite().queries)
COMMON = ("--batch-size", "2", "--canary", "0", "--max-tokens", "256")


def _turn1(cache: Path) -> int:
    """Valid turn-1 entries in the cache (every entry must read back under its own key)."""
    store = GenerationCache(cache)
    entries = cache_entries(cache)
    assert all(store.get(path.stem) is not None for path in entries)
    return sum(read_json(path)["meta"]["turn"] == "turn-1" for path in entries)


def _rerun(tmp_path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_evals(tmp_path, "--cache-dir", cache, *COMMON, "--results", tmp_path / "again.json", timeout=300)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_reliability_stopped_mid_batch_keeps_every_finished_answer(tmp_path: Path, sig: signal.Signals) -> None:
    """Stopped after some answers finished: they are all in the cache, valid; the re-run generates only the rest."""
    cache = tmp_path / "cache"
    with (tmp_path / "run.err").open("wb") as err:
        run = subprocess.Popen(
            evals_command("--cache-dir", cache, *COMMON),
            cwd=tmp_path, env=child_env(), stdout=subprocess.DEVNULL, stderr=err, preexec_fn=default_sigint,
        )  # fmt: skip
        deadline = time.monotonic() + 240
        while len(cache_entries(cache)) < 6:
            assert run.poll() is None, (tmp_path / "run.err").read_text()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        run.send_signal(sig)
        run.wait(timeout=60)
    kept = _turn1(cache)
    assert 6 <= kept < N, "the run finished before the signal: nothing was interrupted"
    assert stray_files(cache) == []
    again = _rerun(tmp_path, cache)
    assert f"generating {N - kept} turn-1 prompts, {kept} cached" in again.stderr, again.stderr[-2000:]
    assert len(read_json(tmp_path / "again.json")["queries"]) == N


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 KiB tmpfs: room for a dozen cache entries, then ENOSPC (root only; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_reliability_full_cache_disk_keeps_what_fit(tmp_path: Path, small_disk: Path) -> None:
    """A cache disk that fills mid-run: all 57 are still scored, what fit is whole, and the re-run reuses it."""
    cache = small_disk / "cache"
    first = run_evals(tmp_path, "--cache-dir", cache, *COMMON, "--results", tmp_path / "first.json", timeout=300)
    assert len(read_json(tmp_path / "first.json")["queries"]) == N, first.stderr[-2000:]
    kept = _turn1(cache)
    assert 0 < kept < N
    assert stray_files(cache) == []
    moved = tmp_path / "roomy"
    subprocess.run(["cp", "-a", str(cache), str(moved)], check=True)
    again = _rerun(tmp_path, moved)
    assert f"generating {N - kept} turn-1 prompts, {kept} cached" in again.stderr, again.stderr[-2000:]
    first_ids = {q["id"]: q["turns"][0]["response"] for q in read_json(tmp_path / "first.json")["queries"]}
    again_ids = {
        q["id"]: q["turns"][0]["response"] for q in json.loads((tmp_path / "again.json").read_text())["queries"]
    }
    assert again_ids == first_ids  # greedy: the regenerated answers are the ones the first run scored
