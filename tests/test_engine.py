"""collect_responses: one generation pass per session, cached, turn 2 after a tool call, xdist-safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tinymodel import build_taught_model, build_tiny_model, taught_answers

from punie_eval.evaluation.evaluate import wants_turn2
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.cache import GenerationCache
from punie_eval.generation.engine import SessionResponses, collect_responses
from punie_eval.queries import Query, QuerySuite, load_suite
from punie_eval.registry import load_registry

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server
REPO = Path(__file__).resolve().parents[1]
MAX_TOKENS = 96


@pytest.fixture(scope="module")
def suite() -> QuerySuite:
    return load_suite()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, suite: QuerySuite) -> Path:
    return build_taught_model(tmp_path_factory.mktemp("tiny") / "model", suite)


@pytest.fixture(scope="module")
def queries(suite: QuerySuite) -> list[Query]:
    """The taught queries (two multi-turn with a tool call, one prose) and three others."""
    taught = taught_answers(suite)
    return [q for q in suite.queries if q.id in taught] + [q for q in suite.queries if q.id not in taught][:3]


def _collect(
    suite: QuerySuite, queries: list[Query], model: Path, cache_dir: Path | None, lines: list[str] | None = None
) -> SessionResponses:
    return collect_responses(
        suite=suite,
        queries=queries,
        target=RunTarget.local(model),
        decoding=Decoding(max_tokens=MAX_TOKENS),
        cache_dir=cache_dir,
        registry=load_registry(),
        follow_up=wants_turn2,
        progress=(lines.append if lines is not None else lambda line: None),
    )


def test_engine_second_turn_for_tool_calls(suite: QuerySuite, model_dir: Path, queries: list[Query]) -> None:
    """Multi-turn queries whose turn 1 called a tool get a turn-2 response from a second batch."""
    lines: list[str] = []
    session = _collect(suite, queries, model_dir, None, lines)
    multi = [qid for qid, text in taught_answers(suite).items() if "<tool_call>" in text]
    assert {qid for qid, turns in session.responses.items() if len(turns) == 2} == set(multi)
    assert [session.responses[qid][0].text for qid in multi] == [taught_answers(suite)[qid] for qid in multi]
    started = [line for line in lines if " generating " in line]
    assert started[0].startswith(f"punie-eval: generating {len(queries)} turn-1 prompts")
    assert started[1].startswith("punie-eval: generating 2 turn-2 prompts")
    assert any(line.startswith(f"punie-eval: turn-1: {len(queries)} generated in ") for line in lines)
    assert lines.index(started[0]) < lines.index("punie-eval: loading model …") < lines.index(started[1])
    assert session.model_loads == 1


def test_engine_warm_cache_never_loads_the_model(
    suite: QuerySuite, model_dir: Path, queries: list[Query], tmp_path: Path
) -> None:
    """A second run with the same cache reads every response (both turns) and loads nothing."""
    first = _collect(suite, queries, model_dir, tmp_path)
    lines: list[str] = []
    second = _collect(suite, queries, model_dir, tmp_path, lines)
    assert (first.model_loads, first.cache_hits, second.model_loads, second.generated) == (1, 0, 0, 0)
    assert second.cache_hits == len(queries) + 2
    assert second.responses == first.responses
    assert lines == [
        f"punie-eval: {len(queries)} turn-1 prompts: all {len(queries)} from the cache",
        "punie-eval: 2 turn-2 prompts: all 2 from the cache",
    ]


def test_engine_other_model_misses_the_cache(
    suite: QuerySuite, model_dir: Path, queries: list[Query], tmp_path: Path
) -> None:
    """Responses cached for one model are not served for another model (different content hash)."""
    _collect(suite, queries, model_dir, tmp_path)
    other = _collect(suite, queries, build_tiny_model(tmp_path / "other", seed=7), tmp_path)
    assert (other.cache_hits, other.model_loads) == (0, 1)


def test_engine_max_tokens_is_part_of_the_key(
    suite: QuerySuite, model_dir: Path, queries: list[Query], tmp_path: Path
) -> None:
    """Changing a decoding parameter regenerates."""
    _collect(suite, queries, model_dir, tmp_path)
    session = collect_responses(
        suite=suite,
        queries=queries,
        target=RunTarget.local(model_dir),
        decoding=Decoding(max_tokens=MAX_TOKENS + 1),
        cache_dir=tmp_path,
        registry=load_registry(),
        follow_up=wants_turn2,
        progress=lambda line: None,
    )
    assert (session.cache_hits, session.model_loads) == (0, 1)


def test_engine_corrupt_entry_is_regenerated(
    suite: QuerySuite, model_dir: Path, queries: list[Query], tmp_path: Path
) -> None:
    """A truncated cache entry is regenerated (one model load) and rewritten whole."""
    first = _collect(suite, queries, model_dir, tmp_path)
    entries = sorted((tmp_path / "generations").rglob("*.json"))
    victim = entries[0]
    victim.write_text(victim.read_text()[:20])
    again = _collect(suite, queries, model_dir, tmp_path)
    assert (again.model_loads, again.generated, again.cache_hits) == (1, 1, len(entries) - 1)
    assert again.responses == first.responses
    assert GenerationCache(tmp_path).get(victim.stem) is not None


def test_engine_without_cache_generates_every_time(suite: QuerySuite, model_dir: Path, queries: list[Query]) -> None:
    """With no cache dir and no run id, each call generates and nothing is written."""
    assert [_collect(suite, queries[:2], model_dir, None).model_loads for _ in range(2)] == [1, 1]


def test_engine_generates_a_repeated_query_once(suite: QuerySuite, model_dir: Path, queries: list[Query]) -> None:
    """A query selected twice (its query test and its snapshot test) is one prompt of the batch."""
    lines: list[str] = []
    session = _collect(suite, [*queries, *queries], model_dir, None, lines)
    assert any(line.startswith(f"punie-eval: generating {len(queries)} turn-1 prompts") for line in lines)
    assert session.generated == len(queries) + 2
    assert set(session.responses) == {q.id for q in queries}


CONFTEST = """
import json, os
from pathlib import Path

import pytest

from punie_eval.evaluation.evaluate import wants_turn2
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.engine import collect_responses
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry


@pytest.fixture(scope="session")
def session_responses():
    suite = load_suite()
    cache = os.environ.get("PE_CACHE")
    session = collect_responses(
        suite=suite, queries=suite.queries[:8], target=RunTarget.local(os.environ["PE_MODEL"]),
        decoding=Decoding(max_tokens=16), cache_dir=Path(cache) if cache else None,
        registry=load_registry(), follow_up=wants_turn2, run_id=os.environ.get("PYTEST_XDIST_TESTRUNUID"),
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    record = {"loads": session.model_loads, "hits": session.cache_hits, "n": len(session.responses)}
    (Path(os.environ["PE_OUT"]) / f"{worker}.json").write_text(json.dumps(record))
    return session
"""

TESTS = """
import pytest
from punie_eval.queries import load_suite

IDS = [q.id for q in load_suite().queries[:8]]


@pytest.mark.parametrize("qid", IDS)
def test_has_response(session_responses, qid):
    assert session_responses.responses[qid][0].finish_reason in ("stop", "length")
"""


def _run_xdist(project: Path, model: Path, cache: Path | None, out: Path) -> list[dict[str, int]]:
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PE_MODEL": str(model), "PE_OUT": str(out)}
    env.pop("PE_CACHE", None)
    if cache is not None:
        env["PE_CACHE"] = str(cache)
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", "-p", "no:punie_eval"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(p.read_text()) for p in sorted(out.glob("gw*.json"))]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (root / "test_queries.py").write_text(textwrap.dedent(TESTS))
    return root


def test_engine_xdist_generates_once_per_session(project: Path, model_dir: Path, tmp_path: Path) -> None:
    """Under `pytest -n 2` exactly one worker loads the model; a warm re-run loads it zero times."""
    cold = _run_xdist(project, model_dir, tmp_path / "cache", tmp_path / "cold")
    warm = _run_xdist(project, model_dir, tmp_path / "cache", tmp_path / "warm")
    assert len(cold) == len(warm) == 2
    assert sorted(r["loads"] for r in cold) == [0, 1]
    assert sorted(r["hits"] for r in cold) == [0, 8]
    assert [r["loads"] for r in warm] == [0, 0]
    assert [r["hits"] for r in warm] == [8, 8]


def test_engine_xdist_without_cache_still_generates_once(project: Path, model_dir: Path, tmp_path: Path) -> None:
    """With the cache disabled, workers share a per-run directory keyed by xdist's testrunuid."""
    records = _run_xdist(project, model_dir, None, tmp_path / "out")
    assert sorted(r["loads"] for r in records) == [0, 1]
