"""RUN arguments: a results file, a run id, or [MODEL@]last[~N]; compare accepts them on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_runs import three_runs

from punie_eval.cli import main
from punie_eval.errors import DataError, UsageError
from punie_eval.history.refs import resolve_run, run_id_of
from punie_eval.history.store import load_run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_runs(tmp_path_factory.mktemp("history"))


REFS = {"id": ("2", 2), "last": ("last", 3), "before-last": ("last~1", 2), "model-last": ("alpha@last~1", 1)}


@pytest.mark.parametrize(("ref", "run_id"), REFS.values(), ids=REFS)
def test_history_refs_name_a_run(db: Path, ref: str, run_id: int) -> None:
    """A number is a run id; last~N counts back from the newest run, MODEL@ among that model's runs."""
    assert run_id_of(ref, db) == run_id


def test_history_refs_existing_file_wins(db: Path, tmp_path: Path) -> None:
    """A path that exists is read as a results file, even when it looks like a run id."""
    load_run(db, 2).write(tmp_path / "3")
    assert resolve_run(str(tmp_path / "3"), db)["metadata"]["model"]["name"] == "beta"


BAD = {
    "not-a-ref": ("yesterday", DataError, "yesterday: results file does not exist"),
    "too-far-back": ("beta@last~1", UsageError, r"must name a recorded run, but .* holds 1 run\(s\) of beta"),
    "unknown-id": ("9", DataError, "run id must name a recorded run, got 9"),
}


@pytest.mark.parametrize(("ref", "error", "message"), BAD.values(), ids=BAD)
def test_history_refs_bad_reference_is_one_error(db: Path, ref: str, error: type[Exception], message: str) -> None:
    """A reference that names no run is one line saying what a RUN may be."""
    with pytest.raises(error, match=message):
        resolve_run(ref, db)


def test_history_refs_compare_takes_run_ids(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`compare alpha@last~1 alpha@last` compares the last two runs of a model (here: a reject)."""
    assert main(["compare", "alpha@last~1", "alpha@last", "--history", str(db)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("baseline : alpha (?)\ncandidate: alpha (?)")
    assert "verdict: REJECT" in out


def test_history_refs_compare_mixes_a_file_and_a_run(db: Path, tmp_path: Path) -> None:
    """One side may be a results file and the other a run id."""
    load_run(db, 2).write(tmp_path / "beta.json")
    assert main(["compare", str(tmp_path / "beta.json"), "2", "--history", str(db)]) == 1  # same run: floors reject
