"""The plugin on a partial run: the results file says so, the gate fails it unless --allow-partial,
and a run never compares with the file it writes."""

from __future__ import annotations

import json

import pytest
from punie_pytester import mini_project, run

pytestmark = pytest.mark.slow  # runs pytest in a subprocess

pytest_plugins = ["pytester"]


def test_plugin_partial_run_is_recorded_and_fails_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--gate -k protocol` (1 of 4 queries, strict 1/1) fails the gate as partial; the file lists what was left out."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", "-k", "protocol", "--results", "r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["gate FAILED: the run covers 1 of the suite's 4 queries (a partial run: *"])
    coverage = json.loads((pytester.path / "r.json").read_text())["metadata"]["coverage"]
    assert coverage == {"complete": False, "queries": 1, "suite": 4, "missing": ["status", "log", "symbols"]}


def test_plugin_partial_run_passes_with_allow_partial(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--allow-partial gates the selected queries alone."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", "-k", "protocol", "--allow-partial")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["gate PASSED: strict 1/1 (100.0%)*"])


def test_plugin_results_onto_baseline_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--results B.json --baseline B.json` is refused before any test runs; B.json is untouched."""
    base = mini_project(pytester, monkeypatch)
    baseline = pytester.path / "B.json"
    baseline.write_text('{"format": "punie-eval-results/1"}')
    result = run(pytester, *base, "--results", "B.json", "--baseline", "B.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [
        "ERROR: --results B.json is --baseline B.json: an output never replaces an input"
    ]
    assert baseline.read_text() == '{"format": "punie-eval-results/1"}'
