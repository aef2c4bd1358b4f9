"""Options of the data-contract evals: ``--data DIR`` (the plugin has no data option)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("punie").addoption(
        "--data",
        metavar="DIR",
        default=None,
        help="training data folder for the data contracts (default: data/corpus/clean)",
    )
