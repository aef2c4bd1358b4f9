"""Data contracts on the committed training data (``pytest -m data``; ``--data DIR`` for another folder).

One test per contract, so a report names exactly which contracts a dataset breaks, with the
first offending lines as file:line and field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.paths import data_dir
from punie_eval.queries import QuerySuite, guarded_suites
from punie_eval.registry import load_registry
from punie_eval.training.contracts import CONTRACTS, Violation, check_files
from punie_eval.training.leakage import LeakIndex

pytestmark = pytest.mark.data
SHOWN = 10


@pytest.fixture(scope="module")
def violations(request: pytest.FixtureRequest, punie_suite: QuerySuite) -> list[Violation]:
    """Every violation in the data, checked against the suite as evaluated (its system prompt and tools included);
    leakage also against the bundled main and held-out suites, whichever suite is evaluated."""
    option = request.config.getoption("data", default=None)
    tools = punie_suite.registry
    if option is None and tools.fingerprint != load_registry().fingerprint:
        pytest.skip(f"the bundled corpus is for the bundled tools: pass --data DIR for the {tools.name} tools")
    folder = Path(option) if option else data_dir() / "corpus" / "clean"
    index = LeakIndex.of_suites(punie_suite, *guarded_suites())
    files = sorted(folder.glob("*.jsonl"))
    return check_files(files, punie_suite.registry, system_prompt=punie_suite.system_prompt, leak_index=index)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_data_contract(violations: list[Violation], contract: str) -> None:
    """The training data keeps this contract."""
    broken = [str(v) for v in violations if v.contract == contract]
    more = f"\n... {len(broken) - SHOWN} more" if len(broken) > SHOWN else ""
    assert not broken, f"{len(broken)} violations of {contract}:\n" + "\n".join(broken[:SHOWN]) + more
