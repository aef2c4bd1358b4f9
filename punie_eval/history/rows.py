"""The ONE mapping from a :class:`RunResult` to the history's rows.

Everything the database holds about a run comes from here, so a new field of the results
(per-repeat outcomes of sampled runs, say) is added in one place: a record with several
outcomes yields one :class:`OutcomeRow` per repeat; today's greedy records yield repeat 0.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from punie_eval.evaluation.result import QueryRecord, RunResult
from punie_eval.jsonl import escape_surrogates


@dataclass(frozen=True)
class RunRow:
    uid: str  # metadata.run_uid
    started_at: str
    recorded_at: str
    model_name: str
    model_hash: str | None
    model_path: str | None
    adapter: str | None
    backend: str
    suite_name: str
    suite_fingerprint: str
    scorer_version: str
    decoding: str  # JSON
    project_commit: str | None
    punie_commit: str | None
    complete: bool
    n: int
    soft: int
    strict: int
    gate_passed: bool | None
    document: str  # the results JSON
    checkpoint_of: str | None = None  # schema 2: the adapter folder of a checkpoint run
    checkpoint_iteration: int | None = None


@dataclass(frozen=True)
class CategoryRow:
    category: str
    n: int
    soft: int
    strict: int
    target: float | None
    floor: float | None


@dataclass(frozen=True)
class OutcomeRow:
    query_id: str
    repeat: int
    category: str
    soft: bool
    strict: bool
    failing_layer: str | None
    failure: str | None
    diagnoses: str  # one label per turn, comma-separated
    format_failure: bool


@dataclass(frozen=True)
class RunRows:
    run: RunRow
    categories: tuple[CategoryRow, ...]
    outcomes: tuple[OutcomeRow, ...]
    diagnoses: tuple[tuple[str, int], ...]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)  # ASCII: lone surrogates hash too


def _utf8(text: str) -> str:
    """Text SQLite can store: a lone surrogate (quoted from a raw response) becomes ``\\udxxx``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def run_uid(document: Mapping[str, Any]) -> str:
    """A run's identity: ``metadata.run_uid``; for a results file written before it, the hash of its
    metadata and records (not the summary, which a gate policy changes). Recording a run twice is one run."""
    recorded = document["metadata"].get("run_uid")
    if recorded:
        return str(recorded)
    return hashlib.sha256(_canonical([document["metadata"], document["queries"]]).encode()).hexdigest()


def outcome_rows(record: QueryRecord) -> list[OutcomeRow]:
    """A query's outcomes: one per repeat of a sampled run (repeat 0 for a greedy run)."""
    return [
        OutcomeRow(
            query_id=record.id,
            repeat=repeat,
            category=record.category,
            soft=outcome.soft,
            strict=outcome.strict,
            failing_layer=None if outcome.strict else outcome.failing_layer,
            failure=None if outcome.failure is None else _utf8(outcome.failure),
            diagnoses=",".join(t.diagnosis.label for t in outcome.turns),
            format_failure=outcome.wire_problem,
        )
        for repeat, outcome in enumerate(record.outcomes)
    ]


def category_rows(summary: Mapping[str, Any]) -> tuple[CategoryRow, ...]:
    return tuple(
        CategoryRow(str(name), int(c["n"]), int(c["soft"]), int(c["strict"]), c.get("target"), c.get("floor"))
        for name, c in (summary.get("categories") or {}).items()
    )


def run_rows(result: RunResult, *, project_commit: str | None = None) -> RunRows:
    """Every row of one run: the run itself, its categories, its outcomes and its diagnosis counts."""
    document = result.to_json()
    meta, summary = document["metadata"], document["summary"]
    model, suite = meta.get("model") or {}, meta.get("suite") or {}
    overall = summary.get("overall") or {}
    gate = summary.get("gate")
    checkpoint = meta.get("checkpoint") or {}
    run = RunRow(
        uid=run_uid(document),
        started_at=str(meta.get("started_at") or ""),
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model_name=str(model.get("name") or model.get("path") or "?"),
        model_hash=model.get("hash"),
        model_path=model.get("path"),
        adapter=model.get("adapter"),
        backend=str(meta.get("backend") or "?"),
        suite_name=str(suite.get("name") or "?"),
        suite_fingerprint=str(suite.get("fingerprint") or "?"),
        scorer_version=str(meta.get("scorer_version") or "?"),
        decoding=_canonical(meta.get("decoding") or {}),
        project_commit=project_commit,
        punie_commit=meta.get("git_commit"),
        complete=bool((meta.get("coverage") or {}).get("complete", False)),
        n=int(overall.get("n", len(result.records))),
        soft=int(overall.get("soft", sum(r.soft for r in result.records))),
        strict=int(overall.get("strict", sum(r.strict for r in result.records))),
        gate_passed=gate.get("passed") if isinstance(gate, dict) else None,
        checkpoint_of=checkpoint.get("adapters"),
        checkpoint_iteration=checkpoint.get("iteration"),
        document=escape_surrogates(json.dumps(document, ensure_ascii=False, default=repr)),  # the file's key order
    )
    outcomes = tuple(row for record in result.records for row in outcome_rows(record))
    diagnoses = tuple(sorted((str(k), int(v)) for k, v in (summary.get("diagnoses") or {}).items()))
    return RunRows(run, category_rows(summary), outcomes, diagnoses)


__all__ = ["CategoryRow", "OutcomeRow", "RunRow", "RunRows", "outcome_rows", "run_rows", "run_uid"]
