"""--history / --no-history: every pytest run is appended to the SQLite history, once, by the controller."""

from __future__ import annotations

import sqlite3

import pytest
from punie_pytester import mini_project, run

pytestmark = pytest.mark.slow  # runs pytest in a subprocess

pytest_plugins = ["pytester"]


def _runs(db: object) -> list[tuple[int, int, int]]:
    with sqlite3.connect(str(db)) as conn:
        return conn.execute(
            "SELECT runs.id, runs.n, count(outcomes.query_id) FROM runs JOIN outcomes ON outcomes.run_id = runs.id "
            "GROUP BY runs.id"
        ).fetchall()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_plugin_history_records_the_run_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    """A run lands in .punie-history.sqlite beside the cache as ONE run, also under -n 2."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, *workers)
    result.stdout.fnmatch_lines(["history: run 1 recorded in .punie-history.sqlite"])
    assert _runs(pytester.path / ".punie-history.sqlite") == [(1, 4, 4)]
    run(pytester, *base, *workers)
    assert [r[0] for r in _runs(pytester.path / ".punie-history.sqlite")] == [1, 2]


def test_plugin_history_option_and_no_history(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """--history PATH records there; --no-history records nothing; both together is one usage error."""
    base = mini_project(pytester, monkeypatch)
    run(pytester, *base, "--history", "runs.sqlite").stdout.fnmatch_lines(["history: run 1 recorded in runs.sqlite"])
    assert _runs(pytester.path / "runs.sqlite") == [(1, 4, 4)]
    run(pytester, *base, "--no-history")
    assert not (pytester.path / ".punie-history.sqlite").exists()
    both = run(pytester, *base, "--history", "runs.sqlite", "--no-history")
    assert both.ret == pytest.ExitCode.USAGE_ERROR
    both.stderr.fnmatch_lines(["*--history and --no-history contradict each other*"])
