"""conclude(history=...): the end of a run appends it to the history, except when interrupted."""

from __future__ import annotations

from pathlib import Path

from history_runs import replay_run

from punie_eval.evaluation.conclude import conclude
from punie_eval.history.store import list_runs
from punie_eval.queries import load_suite


def test_history_conclude_records_the_run(tmp_path: Path) -> None:
    """The run is recorded and the summary says where."""
    db = tmp_path / "h.sqlite"
    conclusion = conclude(replay_run(tmp_path), load_suite(None), history=db)
    assert conclusion.lines[-1] == f"history: run 1 recorded in {db}"
    assert [r.strict for r in list_runs(db)] == [6]


def test_history_conclude_interrupted_run_is_not_recorded(tmp_path: Path) -> None:
    """An interrupted run leaves the history as it was (here: not created)."""
    db = tmp_path / "h.sqlite"
    conclusion = conclude(replay_run(tmp_path), load_suite(None), history=db, interrupted=True)
    assert conclusion.lines[-1].startswith("history: run not recorded: the run was interrupted")
    assert not db.exists()


def test_history_conclude_unusable_history_is_one_line(tmp_path: Path) -> None:
    """A history file that is not a database does not fail the run: one line says why it was not recorded."""
    db = tmp_path / "h.sqlite"
    db.write_text("not sqlite\n" * 200)
    conclusion = conclude(replay_run(tmp_path), load_suite(None), history=db)
    assert conclusion.lines[-1].startswith(f"history: run not recorded: {db}: is not a punie-eval history database")
