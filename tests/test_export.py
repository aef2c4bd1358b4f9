"""`punie-eval export`: an Inspect AI eval log read back with inspect_ai's reader, and a CSV read back with csv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from history_runs import replay_run

from punie_eval.cli import main
from punie_eval.evaluation.result import RunResult
from punie_eval.history.store import record_run

inspect_log = pytest.importorskip("inspect_ai.log", reason="the inspect extra: pip install 'punie-eval[inspect]'")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """A replayed run of the 57 queries, written as a results file."""
    folder = tmp_path_factory.mktemp("run")
    result = replay_run(folder)
    result.write(folder / "run.json")
    return result, folder / "run.json"


@pytest.fixture(scope="module")
def log(run: tuple[RunResult, Path]) -> Any:
    out = run[1].parent / "logs" / "run.eval"
    assert main(["export", str(run[1]), "--inspect", str(out)]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["run.eval"]  # atomic: no temporary file left
    return inspect_log.read_eval_log(str(out))


def test_export_inspect_log_is_a_successful_eval_of_the_run(log: Any, run: tuple[RunResult, Path]) -> None:
    """The log names the model, task and dataset; it holds one sample per query and the run's metadata."""
    result = run[0]
    assert (log.status, log.eval.model, log.eval.task) == ("success", "punie/replay-model", "punie-eval/punie-57")
    assert log.eval.dataset.samples == 57
    assert log.eval.metadata["suite"]["fingerprint"] == result.metadata["suite"]["fingerprint"]
    assert sorted(s.id for s in log.samples) == sorted(r.id for r in result.records)


def test_export_inspect_samples_carry_messages_scores_and_layers(log: Any, run: tuple[RunResult, Path]) -> None:
    """Each sample has the conversation, strict and soft scores (C/I) and every layer in its explanation."""
    records = run[0].by_id()
    for sample in log.samples:
        record = records[sample.id]
        assert sample.scores["strict"].value == ("C" if record.strict else "I")
        assert sample.scores["soft"].value == ("C" if record.soft else "I")
        assert sample.scores["strict"].metadata["failure"] == record.failure
        assert sample.output.completion == record.turns[-1].response
    status = next(s for s in log.samples if s.id == "st_git_status")
    assert (status.input, status.target) == (records["st_git_status"].prompt, "git_status")
    multi = next(s for s in log.samples if s.id == "mt_ruff_summary")
    assert [m.role for m in multi.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert multi.messages[3].text.startswith("<tool_response>\nRuffResult(")
    explanation = multi.scores["strict"].explanation
    assert explanation.startswith(records["mt_ruff_summary"].failure)
    assert "  ✓ gate: 1 tool call" in explanation
    assert [layer["name"] for layer in multi.scores["strict"].metadata["turns"][0]["layers"]][:2] == ["gate", "extract"]


def test_export_inspect_results_hold_accuracy_per_category(log: Any, run: tuple[RunResult, Path]) -> None:
    """The strict score's metrics are overall accuracy and one per category, as the run's summary says."""
    strict = next(s for s in log.results.scores if s.name == "strict")
    summary = run[0].summary
    assert strict.metrics["accuracy"].value == pytest.approx(6 / 57)
    for name, counts in summary["categories"].items():
        assert strict.metrics[name].value == pytest.approx(counts["strict"] / counts["n"])


def test_export_inspect_from_a_history_run(run: tuple[RunResult, Path], tmp_path: Path) -> None:
    """RUN may be a run of the history (`last`); the log reads back as that run."""
    db = tmp_path / "h.sqlite"
    record_run(db, run[0])
    out = tmp_path / "last.json"
    assert main(["export", "last", "--history", str(db), "--inspect", str(out)]) == 0
    assert len(inspect_log.read_eval_log(str(out)).samples or []) == 57


def test_export_csv_one_row_per_query(run: tuple[RunResult, Path], tmp_path: Path) -> None:
    """The CSV has a header and one row per query with its outcome, diagnoses, prompt and responses."""
    out = tmp_path / "run.csv"
    assert main(["export", str(run[1]), "--csv", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    records = run[0].by_id()
    assert [r["query_id"] for r in rows] == [r.id for r in run[0].records]
    for row in rows:
        record = records[row["query_id"]]
        assert (row["strict"], row["soft"], row["repeat"]) == (
            str(record.strict).lower(),
            str(record.soft).lower(),
            "0",
        )
        assert row["response_1"] == record.turns[0].response
        assert row["model"] == "replay-model"
    status = next(r for r in rows if r["query_id"] == "mt_git_status_summary")
    assert (status["diagnoses"], status["response_2"]) == ("ok,ok", "The status is clean.")


BAD = {
    "no-output": ([], "pass --inspect OUT.eval and/or --csv OUT.csv"),
    "suffix": (["--inspect", "out.log"], "--inspect must end in .eval or .json"),
    "overwrite": (["--csv", "{run}"], "an output never replaces an input"),
}


@pytest.mark.parametrize(("options", "message"), BAD.values(), ids=BAD)
def test_export_bad_arguments_exit_2(
    run: tuple[RunResult, Path], capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    """No output, an output Inspect cannot read, or an output that is the input: one line, exit 2."""
    options = [o.format(run=run[1]) for o in options]
    assert main(["export", str(run[1]), *options]) == 2
    assert message in capsys.readouterr().err
