"""Each distinct conversation is generated once per run, whatever selects it: query and snapshot
items together, under pytest-xdist, and through the openai backend (requests counted at a real
``mlx_lm server``). Also: ``evaluate()`` runs in a fresh interpreter without importing pytest."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mlx_server import CountingProxy, serve_mlx
from reliability import child_env

from punie_eval.paths import reference_model_dir

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _pytest(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = child_env()
    command = [sys.executable, "-m", "pytest", "evals/", "-p", "no:cacheprovider", "--no-cache", "--no-history", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def _generated(output: str, turn: str) -> list[int]:
    return [int(n) for n in re.findall(rf"generating (\d+) {turn} prompts", output)]


@pytest.fixture(scope="module")
def xdist_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One `pytest evals/ -n 2 --no-cache` run of query and snapshot items, with a results file."""
    results = tmp_path_factory.mktemp("xdist") / "results.json"
    return _pytest("-n", "2", "--results", str(results)), results


def test_generation_once_for_query_and_snapshot_items_under_xdist(
    xdist_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """Under -n 2, the 57 queries' query and snapshot items make ONE batch of 57 turn-1 prompts."""
    done, results = xdist_run
    output = done.stdout + done.stderr
    assert _generated(output, "turn-1") == [57], output[-3000:]
    assert output.count("model loads in this process: 1") == 1
    metadata = json.loads(results.read_text())["metadata"]
    assert metadata["model_loads"] == 1
    assert len(json.loads(results.read_text())["queries"]) == 57


def test_generation_once_through_openai_backend(tmp_path: Path) -> None:
    """Against a real mlx_lm server, the server receives one request per conversation (57 + turn 2)."""
    with serve_mlx(reference_model_dir(), tmp_path) as url, CountingProxy(url) as proxy:
        done = _pytest("--backend", "openai", "--base-url", proxy.url + "/v1", "--model", str(reference_model_dir()))
        requests = proxy.count("POST", "/v1/chat/completions")
    output = done.stdout + done.stderr
    turn1, turn2 = _generated(output, "turn-1"), _generated(output, "turn-2")
    assert turn1 == [57], output[-3000:]
    assert len(turn2) == 1
    assert 0 < turn2[0] <= 12
    assert requests == 57 + turn2[0]


EVALUATE = """
import sys
from punie_eval import RunTarget, evaluate
result = evaluate(None, RunTarget.local(sys.argv[1]), queries=["st_git_status", "da_protocol_vs_abc"], progress=None)
print(result.summary["overall"], len(result.records), result.metadata["model_loads"])
print("pytest imported:", "pytest" in sys.modules, "_pytest" in sys.modules)
"""


def test_generation_evaluate_never_imports_pytest() -> None:
    """evaluate() on the reference model in a fresh interpreter scores queries without importing pytest."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", EVALUATE, str(reference_model_dir())],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.strip().split("\n")
    assert first.endswith(" 2 1")
    assert "'n': 2" in first
    assert second == "pytest imported: False False"
