"""Options of the data-contract evals: ``--data DIR`` (the plugin has no data option)."""

from __future__ import annotations

from pathlib import Path

import pytest

PUNIE_EVALS = True  # opts runs of this folder in to the punie-eval plugin (header, markers, generation)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("punie").addoption(
        "--data",
        metavar="DIR",
        default=None,
        help="training data folder for the data contracts (default: data/corpus/clean)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A --data folder that is missing or holds no .jsonl files is a usage error before any test runs."""
    option = config.getoption("data", default=None)
    if option is None:
        return
    folder = Path(option)
    if not folder.is_dir():
        raise pytest.UsageError(
            f"--data: {option} must be a folder of .jsonl files, got {'a file' if folder.exists() else 'nothing'}"
        )
    if not any(folder.glob("*.jsonl")):
        raise pytest.UsageError(f"--data: {option} must contain .jsonl files, found none")
