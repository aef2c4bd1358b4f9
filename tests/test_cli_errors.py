"""Every CLI error is one line with a documented exit status; a bug is exit 70, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from punie_eval.cli import EXIT_INTERNAL, main
from punie_eval.commands import diagnose

REPO = Path(__file__).resolve().parents[1]


def test_cli_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An unexpected exception in a command (an injected bug) is one line and exit 70."""

    def broken(args: object) -> int:
        raise RuntimeError("injected bug\nsecond line")

    monkeypatch.setattr(diagnose, "run", broken)
    monkeypatch.delenv("PUNIE_DEBUG", raising=False)
    assert main(["diagnose", "-"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert (
        err == "punie-eval diagnose: internal error: RuntimeError: injected bug (PUNIE_DEBUG=1 shows the traceback)\n"
    )


@pytest.mark.slow  # runs pytest in a subprocess
@pytest.mark.parametrize(("make", "message"), [("", "got nothing"), ("file", "got a file"), ("empty", "found none")])
def test_cli_data_option_checked_before_tests(tmp_path: Path, make: str, message: str) -> None:
    """`pytest evals/ -m data --data X`: a missing, file or empty X is a one-line usage error (exit 4)."""
    target = tmp_path / "data"
    if make == "file":
        target.write_text("x")
    elif make == "empty":
        target.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "evals/", "-m", "data", "--data", str(target), "-p", "no:cacheprovider"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 4
    assert [line for line in done.stderr.split("\n") if line.strip()] == [
        f"ERROR: --data: {target} must {'contain .jsonl files' if make == 'empty' else 'be a folder of .jsonl files'}, "
        f"{message}"
    ]
