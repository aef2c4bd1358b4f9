"""Snapshot comparison: an unchanged generation passes, a changed one fails with a readable diff."""

from __future__ import annotations

import pytest
from punie_pytester import call
from snapshot_pytester import GOOD, accepted, path_of, replay, run, snapshot_files, snapshot_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A project whose GOOD snapshots are accepted; returns them."""
    snapshot_project(pytester, monkeypatch)
    return accepted(pytester)


def test_snapshots_compare_unchanged_generation_passes(pytester: pytest.Pytester, project: dict[str, str]) -> None:
    """Re-running the same responses passes every snapshot test and prints no review section."""
    result = run(pytester)
    result.assert_outcomes(passed=4)
    result.stdout.no_fnmatch_line("*punie snapshots*")


def test_snapshots_compare_whitespace_churn_passes(pytester: pytest.Pytester, project: dict[str, str]) -> None:
    """Code that differs only in spacing, quotes and blank lines is not a change; the file is left as it was."""
    replay(pytester, {**GOOD, "types": [call("result=typecheck( 'src/' )\n\n\nprint( result.error_count )")]})
    result = run(pytester, "--snapshot-update")
    result.assert_outcomes(passed=4)
    assert snapshot_files(pytester) == project


def test_snapshots_compare_changed_generation_fails_with_diff(
    pytester: pytest.Pytester, project: dict[str, str]
) -> None:
    """A changed call fails its snapshot test with the file's path and -/+ lines of what changed."""
    replay(pytester, {**GOOD, "errors": [call('result = typecheck("src/")\nprint(result.warning_count)')]})
    result = run(pytester, "-vv")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*{path_of('field_access', 'errors')} (- snapshot, + this run):",
            "*- strict: pass",
            "*+ strict: fail",
            "*-           print(result.error_count)",
            "*+           print(result.warning_count)",
        ]
    )
    assert snapshot_files(pytester) == project


def test_snapshots_compare_summary_groups_flips_by_category(pytester: pytest.Pytester, project: dict[str, str]) -> None:
    """The review section counts changes per category and lists pass→fail before fail→pass."""
    replay(
        pytester,
        {
            **GOOD,
            "status": ["Let me look.\n" + GOOD["status"][0]],
            "types": ["I would run mypy."],
            "errors": [call('result = typecheck("src/")\nprint(result.warning_count)')],
        },
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(
        [
            "*= punie snapshots (snapshots/ref) =*",
            "3 changed, 0 new, of 4 snapshot(s) compared",
            "single_tool: 2 of 2 changed",
            "  strict pass→fail: status, types",
            "  soft pass→fail: types",
            "field_access: 1 of 1 changed",
            "  strict pass→fail: errors",
            "accept with --snapshot-update, then review with: git diff snapshots/",
        ]
    )


def test_snapshots_compare_missing_snapshot_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a recorded lineage, a query with no snapshot file fails and is listed as new."""
    snapshot_project(pytester, monkeypatch)
    accepted(pytester)
    (pytester.path / path_of("direct_answers", "frozen")).unlink()
    result = run(pytester, "-k", "frozen")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["direct_answers: 1 without a snapshot", "  new: frozen"])


def test_snapshots_compare_first_run_skips_with_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lineage with no snapshots at all (a new model) skips its snapshot tests and says so once."""
    snapshot_project(pytester, monkeypatch)
    result = run(pytester)
    result.assert_outcomes(skipped=4)
    assert result.ret == 0
    lines = [line for line in result.stdout.lines if line.startswith("punie snapshots:")]
    assert lines == [
        "punie snapshots: snapshots/ref/ has no snapshots yet: 4 snapshot test(s) skipped; "
        "record them with --snapshot-update, then review and commit them"
    ]
