"""--results FILE: the run's results JSON, one record per query plus run metadata, readable by read_results."""

from __future__ import annotations

import json

import pytest
from punie_pytester import mini_project, run

from punie_eval.queries import load_suite
from punie_eval.reporting.results import read_results
from punie_eval.scoring.layers import SCORER_VERSION

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


@pytest.fixture
def document(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", "--results", "out.json")
    result.stdout.fnmatch_lines(["results written to out.json"])
    return read_results(pytester.path / "out.json")


def test_plugin_results_one_record_per_query(document: dict[str, object]) -> None:
    """Every selected query has a record in suite order with its verdicts, failure and turns."""
    queries = document["queries"]
    assert isinstance(queries, list)
    assert [(q["id"], q["soft"], q["strict"]) for q in queries] == [
        ("status", True, True),
        ("log", False, False),
        ("symbols", True, False),
        ("protocol", True, True),
    ]
    log = queries[1]
    assert log["failure"].startswith("turn 1 gate: ")
    assert log["turns"][0]["response"] == "I'll show the commits."
    assert log["turns"][0]["diagnosis"]["label"] == "preamble_then_stop"
    assert log["turns"][0]["layers"][0]["name"] == "gate"


def test_plugin_results_metadata(document: dict[str, object], pytester: pytest.Pytester) -> None:
    """The metadata names backend, decoding, versions, scorer, suite fingerprint, timings and model loads."""
    meta = document["metadata"]
    assert isinstance(meta, dict)
    assert meta["backend"] == "replay"
    assert meta["decoding"] == {"max_tokens": 512, "temperature": 0.0, "top_p": 1.0, "seed": None}
    assert set(meta["versions"]) == {"python", "mlx", "mlx_lm", "punie_eval"}
    assert meta["suite"]["fingerprint"] == load_suite(pytester.path / "mini.json").fingerprint
    assert meta["model_loads"] == 0
    assert set(meta["timings"]) == {"generation_s", "total_s", "generated", "tokens", "tokens_per_s"}
    assert meta["scorer_version"] == SCORER_VERSION
    assert "git_commit" in meta


def test_plugin_results_summary_and_gate(document: dict[str, object]) -> None:
    """The summary holds overall and per-category counts, diagnoses and the gate verdict."""
    summary = document["summary"]
    assert isinstance(summary, dict)
    assert summary["overall"] == {"n": 4, "soft": 3, "strict": 2}
    assert summary["categories"]["single_tool"] == {"n": 3, "soft": 2, "strict": 1, "target": 0.9, "floor": 0.5}
    assert summary["diagnoses"] == {"ok": 3, "preamble_then_stop": 1}
    assert summary["gate"]["passed"] is False


def test_results_document_is_json(document: dict[str, object]) -> None:
    """The whole document survives a JSON round trip unchanged."""
    assert json.loads(json.dumps(document)) == document
