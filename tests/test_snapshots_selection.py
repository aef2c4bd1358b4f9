"""Subset runs (-k, -m) never fail on, report or delete the snapshot files of queries they did not run."""

from __future__ import annotations

import pytest
from punie_pytester import call
from snapshot_pytester import GOOD, accepted, path_of, replay, run, snapshot_files, snapshot_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]

CHANGED = {**GOOD, "types": [call("print(typecheck('lib/').warning_count)")]}


@pytest.mark.parametrize(
    "selection",
    [
        ["-k", "types"],
        ["-k", "not frozen"],
        ["-m", "single_tool"],
        ["-m", "quality"],
        ["test_snapshots.py::test_snapshot[types]"],
    ],
    ids=["k-one", "k-not", "m-category", "m-family", "node-id"],
)
def test_snapshots_selection_update_keeps_unselected_files(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, selection: list[str]
) -> None:
    """An update of a subset rewrites what it ran and leaves every other file in place, unchanged."""
    snapshot_project(pytester, monkeypatch)
    before = accepted(pytester)
    replay(pytester, CHANGED)
    result = run(pytester, "--snapshot-update", *selection)
    assert result.ret == 0
    result.stdout.no_fnmatch_line("*unused*")
    after = snapshot_files(pytester)
    assert sorted(after) == sorted(before)
    assert [p for p in before if before[p] != after[p]] == [path_of("single_tool", "types").as_posix()]


def test_snapshots_selection_plain_run_ignores_unselected(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subset run without update passes and says nothing about the files it did not compare."""
    snapshot_project(pytester, monkeypatch)
    accepted(pytester)
    result = run(pytester, "-m", "field_access")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.no_fnmatch_line("*unused*")


def test_snapshots_selection_obsolete_file_reported_not_deleted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file no query of the suite writes is reported as obsolete, even on update, and never deleted."""
    snapshot_project(pytester, monkeypatch)
    accepted(pytester)
    stale = pytester.path / path_of("single_tool", "removed_query")
    stale.write_text("query: removed_query\n", encoding="utf-8")
    result = run(pytester, "--snapshot-update")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [f"obsolete (no query of the suite writes it): {path_of('single_tool', 'removed_query').as_posix()}"]
    )
    assert stale.exists()
