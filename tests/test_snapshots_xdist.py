"""Snapshot tests under pytest-xdist (-n 2): writing, comparing, subsets, and the summary from workers."""

from __future__ import annotations

import pytest
from punie_pytester import call
from snapshot_pytester import GOOD, accepted, path_of, replay, run, snapshot_files, snapshot_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


def test_snapshots_xdist_update_then_compare(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """-n 2 writes the same files a single process writes, and a -n 2 rerun passes."""
    snapshot_project(pytester, monkeypatch)
    single = accepted(pytester)
    for path in single:
        (pytester.path / path).unlink()
    assert run(pytester, "-n", "2", "--snapshot-update").ret == 0
    assert snapshot_files(pytester) == single
    run(pytester, "-n", "2").assert_outcomes(passed=4)


def test_snapshots_xdist_summary_gathers_workers(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The review section on the controller counts changes made on every worker."""
    snapshot_project(pytester, monkeypatch)
    accepted(pytester)
    replay(
        pytester,
        {
            **GOOD,
            "types": ["I would run mypy."],
            "errors": [call('result = typecheck("src/")\nprint(result.warning_count)')],
        },
    )
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "2 changed, 0 new, of 4 snapshot(s) compared",
            "single_tool: 1 of 2 changed",
            "  strict pass→fail: types",
            "field_access: 1 of 1 changed",
        ]
    )


def test_snapshots_xdist_subset_update_keeps_others(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """-n 2 -m with --snapshot-update leaves the unselected queries' files in place."""
    snapshot_project(pytester, monkeypatch)
    before = accepted(pytester)
    replay(pytester, {**GOOD, "frozen": ["Frozen dataclasses cannot be changed after creation."]})
    assert run(pytester, "-n", "2", "-m", "single_tool or field_access", "--snapshot-update").ret == 0
    assert snapshot_files(pytester) == before
    assert (pytester.path / path_of("direct_answers", "frozen")).exists()
