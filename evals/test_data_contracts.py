"""Data contracts on the committed training data (``pytest -m data``; ``--data DIR`` for another folder).

One test per contract, so a report names exactly which contracts a dataset breaks, with the
first offending lines as file:line and field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.paths import data_dir
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry
from punie_eval.training.contracts import CONTRACTS, Violation, check_files
from punie_eval.training.leakage import LeakIndex

pytestmark = pytest.mark.data
SHOWN = 10


@pytest.fixture(scope="module")
def violations(request: pytest.FixtureRequest) -> list[Violation]:
    option = request.config.getoption("data", default=None)
    folder = Path(option) if option else data_dir() / "corpus" / "clean"
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise pytest.UsageError(f"--data {folder}: folder must contain .jsonl files")
    queries = request.config.getoption("queries", default=None)
    suite = load_suite(Path(queries) if queries else None)
    index = LeakIndex.of_suite(suite)
    return check_files(files, load_registry(), system_prompt=suite.system_prompt, leak_index=index)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_data_contract(violations: list[Violation], contract: str) -> None:
    """The training data keeps this contract."""
    broken = [str(v) for v in violations if v.contract == contract]
    more = f"\n... {len(broken) - SHOWN} more" if len(broken) > SHOWN else ""
    assert not broken, f"{len(broken)} violations of {contract}:\n" + "\n".join(broken[:SHOWN]) + more
