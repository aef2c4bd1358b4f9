"""scripts/bench_scorer.py: the scorer-validity mutation benchmark meets its targets."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from punie_eval.queries import load_suite
from punie_eval.registry import load_registry

SCRIPT = Path(__file__).parents[1] / "scripts" / "bench_scorer.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scorer", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scorer"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample(bench: ModuleType) -> dict[str, Any]:
    registry = load_registry()
    report: dict[str, Any] = bench.run(load_suite(registry=registry), registry, sample=12)
    return report


def test_bench_scorer_sample_meets_targets(sample: dict[str, Any]) -> None:
    """On a 12-turn sample: references pass, all format and ≥99% of semantic mutants fail, no rewrite does."""
    totals = sample["totals"]
    assert (sample["items"], sample["reference_errors"], sample["targets"]["met"]) == (12, [], True)
    assert totals["semantic"]["rate"] >= 0.99
    assert totals["rewrite"]["failed"] == 0


def test_bench_scorer_sample_exercises_every_operator(sample: dict[str, Any]) -> None:
    """Every operator (7 format, 11 semantic, 7 rewrites) produced variants on the sample."""
    kinds = {r["operator"]: r["kind"] for r in sample["operators"] if r["variants"]}
    assert [sum(k == kind for k in kinds.values()) for kind in ("format", "semantic", "rewrite")] == [7, 11, 7]


def test_bench_scorer_committed_report_is_current(bench: ModuleType) -> None:
    """docs/scorer-validity.json is what the full benchmark gives with this scorer and suite."""
    registry = load_registry()
    fresh = bench.run(load_suite(registry=registry), registry)
    committed = json.loads(bench.DEFAULT_JSON.read_text(encoding="utf-8"))
    assert committed == fresh
