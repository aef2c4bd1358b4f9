"""End to end: the 57-query evaluation of the shipped reference model, as users run it.

Runs ``pytest evals/ --gate -n 2`` in a subprocess against the committed model, query suite
and snapshots, then reads the results file and the JUnit report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability import child_env

from punie_eval.generation.fingerprint import fingerprint
from punie_eval.history.store import list_runs
from punie_eval.paths import reference_model_dir

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

REPO = Path(__file__).resolve().parent.parent


def _run_evals(tmp: Path, cache: Path, name: str) -> tuple[int, dict[str, Any], Counter[tuple[str, str]]]:
    results, junit = tmp / f"{name}.json", tmp / f"{name}.xml"
    env = child_env()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "evals/",
            "--gate",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "-q",
            "--cache-dir",
            str(cache),
            "--results",
            str(results),
            "--junitxml",
            str(junit),
            "--history",
            str(tmp / "history.sqlite"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert results.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    outcomes: Counter[tuple[str, str]] = Counter()
    for case in ET.parse(junit).getroot().iter("testcase"):
        test = case.get("name", "").split("[")[0]
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[(test, kinds[0] if kinds else "passed")] += 1
    return proc.returncode, json.loads(results.read_text()), outcomes


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def cold_and_warm(e2e_dir: Path) -> list[tuple[int, dict[str, Any], Counter[tuple[str, str]]]]:
    tmp = e2e_dir
    cache = tmp / "cache"
    return [_run_evals(tmp, cache, "cold"), _run_evals(tmp, cache, "warm")]


def test_e2e_every_query_is_scored_with_run_metadata(cold_and_warm: list[Any]) -> None:
    """All 57 queries are scored, and the results name the model by its content hash."""
    _, results, _ = cold_and_warm[0]
    meta = results["metadata"]
    assert (len(results["queries"]), meta["model"]["hash"], meta["suite"]["name"]) == (
        57,
        fingerprint(reference_model_dir()),
        "punie-57",
    )


def test_e2e_model_loaded_once_under_xdist_then_never(cold_and_warm: list[Any]) -> None:
    """With two workers the model is loaded exactly once; the cached re-run loads it zero times."""
    assert [run[1]["metadata"]["model_loads"] for run in cold_and_warm] == [1, 0]


def test_e2e_exit_status_is_the_gate_verdict(cold_and_warm: list[Any]) -> None:
    """Under --gate the session passes exactly when the gate in the results file passed."""
    for code, results, _ in cold_and_warm:
        assert code == (0 if results["summary"]["gate"]["passed"] else 1)


def test_e2e_committed_snapshots_match(cold_and_warm: list[Any]) -> None:
    """The committed snapshots of the reference model match a fresh generation (determinism)."""
    _, _, outcomes = cold_and_warm[0]
    assert outcomes[("test_snapshot", "passed")] == 57, dict(outcomes)


def test_e2e_cached_rerun_gives_identical_verdicts(cold_and_warm: list[Any]) -> None:
    """A warm-cache re-run reproduces every verdict of the cold run."""
    cold, warm = ([(q["id"], q["soft"], q["strict"]) for q in run[1]["queries"]] for run in cold_and_warm)
    assert sorted(cold) == sorted(warm)


def test_e2e_history_holds_both_runs(cold_and_warm: list[Any], e2e_dir: Path) -> None:
    """Each `pytest evals/ -n 2` run is one run of the history (only the controller writes), as in the results file."""
    runs = list_runs(e2e_dir / "history.sqlite")
    assert [(r.n, r.strict) for r in runs] == [(57, run[1]["summary"]["overall"]["strict"]) for run in cold_and_warm]
