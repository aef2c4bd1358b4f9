"""Helpers for the reliability tests: real `pytest evals/` processes on real tiny models.

``evals_command`` runs the repository's own query test module from another folder, the way a
user runs ``pytest evals/``; the environment is scrubbed of settings (and of the xdist
variables of the test run that starts it) so the child sees only its arguments.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinymodel import build_tiny_model

REPO = Path(__file__).resolve().parent.parent
QUERY_TESTS = REPO / "evals" / "test_queries.py"
DATA_TESTS = REPO / "evals" / "test_data_contracts.py"
NEVER_EOS_ID = 1_000_000  # beyond the vocabulary: the model can never produce it


def child_env() -> dict[str, str]:
    """The environment of a child pytest or CLI run: this repo importable, none of this run's PUNIE_* or
    PYTEST_* settings (a child inheriting xdist's run id would share this run's per-run cache folder)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("PUNIE_", "PYTEST_"))}
    return {**kept, "PYTHONPATH": str(REPO)}


def default_sigint() -> None:
    """Child ``preexec_fn``: Ctrl-C acts as in a terminal even when this run's SIGINT is ignored.

    A shell starts background jobs (``pytest &``) with SIGINT ignored; children inherit that, and
    Python then never raises KeyboardInterrupt — the interrupt tests would test nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def evals_command(*args: str | Path, module: Path = QUERY_TESTS) -> list[str]:
    return [sys.executable, "-m", "pytest", str(module), "-p", "no:cacheprovider", *map(str, args)]


def run_evals(
    cwd: Path, *args: str | Path, module: Path = QUERY_TESTS, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``pytest evals/<module> ARGS`` in ``cwd``, to completion."""
    return subprocess.run(
        evals_command(*args, module=module),
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        errors="backslashreplace",  # pytest echoes model output, which may be any bytes
        timeout=timeout,
        check=False,
        preexec_fn=default_sigint,
    )


def build_never_eos_model(out_dir: Path) -> Path:
    """The tiny random model with its only end-of-sequence id outside the vocabulary."""
    build_tiny_model(out_dir)
    config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    config["eos_token_id"] = [NEVER_EOS_ID]
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tokenizer = json.loads((out_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer["eos_token"] = None  # mlx-lm would add the tokenizer's own EOS id otherwise
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer, indent=2), encoding="utf-8")
    return out_dir


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cache_entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "generations").glob("*/*.json"))


def stray_files(cache_dir: Path) -> list[Path]:
    """Temporary files an interrupted write would leave behind."""
    return sorted(p for p in cache_dir.rglob("*.tmp"))
