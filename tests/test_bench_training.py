"""scripts/bench_training.py: one tiny configuration trains and reports positive figures."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "bench_training.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_training", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_training"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_bench_training_parse_result_rejects_output_without_result(bench: ModuleType) -> None:
    """A worker that printed no RESULT line is an error, not a zero."""
    with pytest.raises(ValueError, match="no RESULT line"):
        bench.parse_result("some log line\n")


@pytest.mark.slow
def test_bench_training_worker_reports_positive_figures(bench: ModuleType) -> None:
    """Three steps at batch 2 on 50 records: every figure parses and is positive, padding never below real."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, str(SCRIPT), "--worker", "--batch-size", "2", "--steps", "3", "--warmup", "1"]
    proc = subprocess.run([*cmd, "--limit", "50"], env=env, capture_output=True, text=True, check=True, timeout=300)
    result = bench.parse_result(proc.stdout)
    assert (result.batch_size, result.steps, result.openblas_threads) == (2, 3, "1")
    assert len(result.step_seconds) == 3
    assert min(result.step_seconds) > 0
    for figure in (
        result.seconds_per_step,
        result.steps_per_second,
        result.real_tokens_per_second,
        result.padded_tokens_per_second,
        result.examples_per_second,
        result.loss_tokens,
    ):
        assert figure > 0
    assert result.loss_tokens < result.real_tokens <= result.padded_tokens
