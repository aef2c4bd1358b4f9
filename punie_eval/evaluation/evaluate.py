"""``evaluate()``: the one way a run happens, with or without pytest.

    suite + RunTarget + Decoding ─▶ generation.engine (each conversation once: cache, lock, batch)
        ─▶ scoring.layers.score_query per query ─▶ RunResult (typed records + run metadata)

The pytest plugin, the CLI, the study and the benchmarks all call this; none of it imports
pytest. Summary, gate, results file and baseline comparison are in :mod:`.conclude`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from punie_eval.errors import UsageError
from punie_eval.evaluation.conclude import GatePolicy, summarize
from punie_eval.evaluation.result import QueryRecord, RunResult
from punie_eval.evaluation.target import Decoding, RunTarget, check_sampling
from punie_eval.generation.engine import Progress, SessionResponses, collect_responses
from punie_eval.generation.progress import stderr_progress
from punie_eval.queries import Query, QuerySuite, load_suite
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.reporting.results import run_metadata
from punie_eval.scoring.layers import SCORER_VERSION, ThinkPolicy, needs_turn2, score_query
from punie_eval.types import QueryScore, Response


def wants_turn2(query: Query, turn1: Response) -> bool:
    """The scorer's rule for a second turn: a multi-turn query whose turn 1 called a tool."""
    return needs_turn2(query, turn1) is None


def select(suite: QuerySuite, queries: Iterable[str | Query] | None) -> list[Query]:
    """The suite's queries named by ``queries`` (ids or Query values), once each, in suite order."""
    if queries is None:
        return list(suite.queries)
    wanted = {q.id if isinstance(q, Query) else q for q in queries}
    unknown = sorted(wanted - set(suite.by_id()))
    if unknown:
        raise UsageError(f"queries must be ids of suite {suite.name}, got {unknown[0]!r}")
    return [q for q in suite.queries if q.id in wanted]


def session_metadata(
    responses: SessionResponses, suite: QuerySuite, decoding: Decoding, started_at: str, total_s: float
) -> dict[str, Any]:
    identity = responses.identity
    return run_metadata(
        model={
            "path": identity.model_path,
            "name": identity.name,
            "hash": identity.content_hash,
            "adapter": identity.extra.get("adapter"),
        },
        backend=identity.backend,
        blas=identity.blas,
        decoding=decoding.as_dict(),
        scorer_version=SCORER_VERSION,
        suite=suite,
        started_at=started_at,
        generation_s=round(responses.generation_s, 3),
        total_s=total_s,
        model_loads=responses.model_loads,
        tokens=responses.tokens,
        generated=responses.generated,
    )


def target_metadata(target: RunTarget, suite: QuerySuite, decoding: Decoding, started_at: str) -> dict[str, Any]:
    """Run metadata from the target alone, for a run in which nothing was generated (setup failed)."""
    model = {"path": str(target.model or target.replay), "name": target.name, "hash": None}
    return run_metadata(
        model=model,
        backend=target.backend,
        blas=None,
        decoding=decoding.as_dict(),
        scorer_version=SCORER_VERSION,
        suite=suite,
        started_at=started_at,
        generation_s=None,
        total_s=0.0,
        model_loads=0,
    )


def evaluate(
    suite: QuerySuite | Path | str | None,
    target: RunTarget,
    decoding: Decoding | None = None,
    *,
    queries: Iterable[str | Query] | None = None,
    cache: Path | str | None = None,
    registry: ToolRegistry | None = None,
    progress: Progress | None = stderr_progress,
    think: ThinkPolicy = "fail",
    repeats: int = 1,
    run_id: str | None = None,
    history: Path | str | None = None,
) -> RunResult:
    """Generate (at most once per conversation) and score the suite's queries on ``target``.

    ``suite`` is a loaded suite or a suite file (None: the bundled 57-query suite);
    ``queries`` narrows the run to these ids; ``cache`` is a generation cache folder shared
    with pytest runs (None: no cache); ``progress`` receives progress lines (None: silent); ``think="strip"``
    scores a thinking model's answer after its leading ``<think>`` block (``"fail"``: a format failure).
    ``repeats`` K > 1 (with ``decoding.temperature`` > 0) asks every query K times: each record
    then holds K outcomes, and the summary reports pass rates, pass@k and pass^k. Processes that
    share a ``run_id`` (pytest-xdist workers) generate once between them even without a cache;
    ``history`` is a history database the run is appended to (None: not recorded).
    """
    decoding = sampling_decoding(decoding or Decoding(), repeats, target, progress or (lambda line: None))
    if not isinstance(suite, QuerySuite):
        suite = load_suite(Path(suite) if suite is not None else None, registry)
    registry = registry or suite.registry  # the tools the suite is about (--tools, its own, or the bundled)
    chosen = select(suite, queries)
    started_at, started = datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic()
    responses = collect_responses(
        suite=suite,
        queries=chosen,
        target=target,
        decoding=decoding,
        cache_dir=Path(cache) if cache is not None else None,
        registry=registry,
        follow_up=wants_turn2,
        progress=progress or (lambda line: None),
        repeats=repeats,
        run_id=run_id,
    )
    scores = {q.id: _score(q, responses.samples[q.id], registry, think) for q in chosen}
    records = tuple(QueryRecord.from_score(q, scores[q.id]) for q in chosen)
    metadata = session_metadata(responses, suite, decoding, started_at, time.monotonic() - started)
    metadata["think"] = think
    if repeats > 1:
        metadata["repeats"] = repeats
    if responses.canary:
        metadata["canary_mismatches"] = list(responses.canary)
    result, _, _ = summarize(RunResult(metadata, records, scores=scores), suite, GatePolicy())
    if history is not None:
        from punie_eval.history.store import record_run

        record_run(history, result)
    return result


def sampling_decoding(decoding: Decoding, repeats: int, target: RunTarget, progress: Progress) -> Decoding:
    """The run's decoding, checked for repeats; sampling without a seed gets one drawn (and printed)."""
    check_sampling(target, decoding, repeats)
    if decoding.greedy:
        return decoding
    if decoding.seed is None:
        decoding = replace(decoding, seed=secrets.randbelow(2**31))
        progress(f"punie-eval: sampling with seed {decoding.seed} (drawn; --seed {decoding.seed} repeats this run)")
    return decoding


def _score(
    query: Query, samples: Sequence[Sequence[Response]], registry: ToolRegistry, think: ThinkPolicy
) -> QueryScore:
    scores = tuple(score_query(query, turns, registry, think=think) for turns in samples)
    return scores[0] if len(scores) == 1 else QueryScore.of_repeats(scores)


def score_response(
    query: Query | str,
    responses: str | Sequence[str],
    *,
    suite: QuerySuite | None = None,
    registry: ToolRegistry | None = None,
    think: ThinkPolicy = "fail",
) -> QueryRecord:
    """Score raw response text (one string per turn) for a query of the suite (default: the bundled one)."""
    if isinstance(query, str):
        suite = suite or load_suite(None, registry)
        query = select(suite, [query])[0]
    registry = registry or (suite.registry if suite is not None else load_registry())
    texts = [responses] if isinstance(responses, str) else list(responses)
    return QueryRecord.from_score(query, score_query(query, [Response(t) for t in texts], registry, think=think))


__all__ = [
    "evaluate",
    "sampling_decoding",
    "score_response",
    "select",
    "session_metadata",
    "target_metadata",
    "wants_turn2",
]
