"""The results file: written atomically, read back with its format checked, one serialisation of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.errors import DataError
from punie_eval.evaluation.evaluate import score_response
from punie_eval.evaluation.result import RunResult
from punie_eval.reporting.results import read_results, write_results

CALL = "<tool_call>\n<function=execute_code>\n<parameter=code>\n{}\n</parameter>\n</function>\n</tool_call>"


def test_results_write_is_atomic_and_round_trips(tmp_path: Path) -> None:
    """write_results leaves only the target file, and read_results reads back what was written."""
    doc = {
        "format": "punie-eval-results/1",
        "metadata": {"model": {}, "backend": "replay", "suite": {}, "scorer_version": "1"},
        "summary": {"overall": {}, "categories": {}, "diagnoses": {}},
        "queries": [],
    }
    write_results(tmp_path / "r.json", doc)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert read_results(tmp_path / "r.json") == doc


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "invalid JSON"),
        (
            '{"format": "other/1", "metadata": {}, "summary": {}, "queries": []}',
            "format must be 'punie-eval-results/1'",
        ),
        ('{"format": "punie-eval-results/1"}', "the document must have metadata, summary, queries"),
    ],
    ids=["not-json", "wrong-format", "missing-parts"],
)
def test_results_read_rejects_bad_file(tmp_path: Path, content: str, message: str) -> None:
    """read_results raises a DataError naming the file and the problem."""
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        read_results(path)
    assert str(path) in str(err.value)


def test_results_run_round_trips_through_json(tmp_path: Path) -> None:
    """A run's typed records survive the results file unchanged (what workers, compare and replay read)."""
    records = (
        score_response("st_git_status", CALL.format('result = git_status(".")\nprint(result.clean, result.branch)')),
        score_response("da_protocol_vs_abc", "Use a Protocol for structural typing; an ABC for nominal."),
        score_response("st_git_log", "I'll look at the recent commits."),
    )
    run = RunResult({"model": {}, "backend": "replay", "suite": {}, "scorer_version": "1"}, records, {
        "overall": {}, "categories": {}, "diagnoses": {}})  # fmt: skip
    run.write(tmp_path / "run.json")
    again = RunResult.read(tmp_path / "run.json")
    assert again.records == records
    assert [r.strict for r in again.records] == [False, True, False]
    assert again.records[2].turns[0].diagnosis.label == "preamble_then_stop"
