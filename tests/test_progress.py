"""Live progress: periodic lines in a log, a bar on a terminal, bytes hashed, the model load announced."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest
from reliability import child_env, default_sigint, evals_command

from punie_eval.generation import fingerprint as fingerprints
from punie_eval.generation.progress import Reporter
from punie_eval.paths import reference_model_dir

COMMON = ("--no-cache", "--batch-size", "4", "--canary", "0", "-m", "not data")


def test_progress_meter_lines_say_done_total_rate_and_eta() -> None:
    """Without a terminal a meter writes `done/total conversations, tokens, tok/s, elapsed, ETA` lines."""
    lines: list[str] = []
    meter = Reporter(lines.append, None, every_s=1e-9).meter("turn-1", 4)
    for _ in range(4):
        meter.advance(1, tokens=10)
    meter.close()
    assert len(lines) == 3  # none once everything is done: the engine's closing line says that
    assert re.fullmatch(
        r"punie-eval: turn-1: 3/4 conversations, 30 tokens, \d+ tok/s, \d+ s elapsed, ETA \d+ s", lines[-1]
    )


def test_progress_hashing_a_large_model_shows_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hashing more than SHOWN_BYTES reports what it hashed; a memoised re-hash reads nothing and says nothing."""
    monkeypatch.setattr(fingerprints, "SHOWN_BYTES", 0)
    lines: list[str] = []
    first = fingerprints.fingerprint(reference_model_dir(), tmp_path, lines.append)
    assert len(lines) == 1
    assert re.fullmatch(r"punie-eval: hashed \d+\.\d MB of \S+reference-model in \d+\.\d s", lines[0])
    assert fingerprints.fingerprint(reference_model_dir(), tmp_path, lines.append) == first
    assert len(lines) == 1


@pytest.mark.slow
def test_progress_in_a_log_is_plain_periodic_lines(tmp_path: Path) -> None:
    """`pytest evals/` with stderr a file: start line, model load, periodic counts with ETA, closing line; no bar."""
    env = {**child_env(), "PUNIE_PROGRESS_EVERY": "0.2"}
    done = subprocess.run(
        evals_command(*COMMON), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    err = done.stderr
    assert "punie-eval: generating 57 turn-1 prompts (reference-model) …" in err, err[-2000:]
    assert re.search(r"punie-eval: loaded reference-model in \d+\.\d s", err)
    assert re.search(r"punie-eval: batch size 4 \(--batch-size 4\)", err)
    assert re.search(r"punie-eval: turn-1: \d+/57 conversations, [\d,]+ tokens, \d+ tok/s, .*ETA", err)
    assert re.search(r"punie-eval: turn-1: 57 generated in \d+\.\d s, \d+ tokens, \d+ tok/s", err)
    assert "\r" not in err


def _read_all(fd: int, proc: subprocess.Popen[bytes]) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


@pytest.mark.slow
def test_progress_on_a_terminal_is_a_live_bar(tmp_path: Path) -> None:
    """With stderr a real pseudo-terminal, generation draws a tqdm bar (rewritten in place with \\r)."""
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        evals_command(*COMMON), cwd=tmp_path, env=child_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=child, preexec_fn=default_sigint,
    )  # fmt: skip
    os.close(child)
    screen = _read_all(parent, proc).decode("utf-8", "replace")
    proc.wait(timeout=60)
    os.close(parent)
    assert re.search(r"\rpunie-eval: turn-1: +\d+%\|", screen), screen[-2000:]
    assert re.search(r"\d+/57 \[[\d:]+<[\d:]+", screen)  # done/total [elapsed<ETA
    assert "tok/s" in screen
