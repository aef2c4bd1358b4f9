"""What a run produced: typed per-query records and the run's metadata, with ONE serialisation.

    QueryScore ──QueryRecord.from_score──▶ QueryRecord (TurnRecords) ──to_json──▶ results JSON
    results JSON ──RunResult.read / QueryRecord.from_json──▶ the same records again

The JSON form is the results file (``punie-eval-results/1``, docs/architecture.md); it is also
what travels from pytest-xdist workers to the controller. The summary, explain, compare,
replay and the study all read it. ``RunResult.scores`` keeps the in-memory scores of the
process that scored them (for assertions and snapshots); it is not serialised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from punie_eval.queries import Query
from punie_eval.reporting.results import build_results, check_results, read_results, write_results
from punie_eval.types import CallSite, Diagnosis, FieldRead, Layer, QueryScore, TurnScore

Json = dict[str, Any]


def _plain(value: Any) -> Any:
    """JSON-ready: tuples become lists, anything exotic (a literal set, bytes) its repr."""
    return json.loads(json.dumps(value, default=repr))


def _dataclass(cls: type, raw: Mapping[str, Any], tuples: Iterable[str] = ()) -> Any:
    """``cls`` from its JSON object (unknown keys ignored, lists back to tuples)."""
    known = {f.name: raw[f.name] for f in fields(cls) if f.name in raw}
    for name in tuples:
        if name in known:
            known[name] = tuple(known[name])
    return cls(**known)


@dataclass(frozen=True)
class TurnRecord:
    """One scored turn: the raw response and every layer's verdict."""

    turn: int
    response: str
    finish_reason: str | None
    diagnosis: Diagnosis
    layers: tuple[Layer, ...]
    calls: tuple[CallSite, ...] = ()
    field_reads: tuple[FieldRead, ...] = ()
    codes: tuple[str, ...] = ()
    tokens: int | None = None
    seconds: float | None = field(default=None, compare=False)  # generation time (from its batch's start)

    @classmethod
    def from_score(cls, turn: TurnScore) -> TurnRecord:
        r = turn.response
        return cls(
            turn.turn,
            r.text,
            r.finish_reason,
            turn.diagnosis,
            turn.layers,
            turn.calls,
            turn.field_reads,
            turn.codes,
            r.tokens,
            r.seconds,
        )

    def to_json(self) -> Json:
        return {
            "turn": self.turn,
            "response": self.response,
            "finish_reason": self.finish_reason,
            "tokens": self.tokens,
            "seconds": self.seconds,
            "diagnosis": asdict(self.diagnosis),
            "layers": [asdict(layer) for layer in self.layers],
            "calls": [asdict(call) for call in self.calls],
            "field_reads": [asdict(read) for read in self.field_reads],
            "codes": list(self.codes),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TurnRecord:
        return cls(
            turn=int(raw["turn"]),
            response=str(raw["response"]),
            finish_reason=raw.get("finish_reason"),
            diagnosis=_dataclass(Diagnosis, raw["diagnosis"], ("also",)),
            layers=tuple(_dataclass(Layer, layer) for layer in raw["layers"]),
            calls=tuple(_dataclass(CallSite, call, ("keywords",)) for call in raw["calls"]),
            field_reads=tuple(_dataclass(FieldRead, read) for read in raw["field_reads"]),
            codes=tuple(raw["codes"]),
            tokens=raw.get("tokens"),
            seconds=raw.get("seconds"),
        )

    @property
    def passed(self) -> bool:
        return all(layer.passed for layer in self.layers)

    @property
    def first_failure(self) -> Layer | None:
        return next((layer for layer in self.layers if not layer.passed), None)


@dataclass(frozen=True)
class QueryRecord:
    """One query's outcome; ``failure`` is the one-line reason (None on a strict pass)."""

    id: str
    category: str
    families: tuple[str, ...]
    critical: bool
    prompt: str
    soft: bool
    strict: bool
    failure: str | None
    turns: tuple[TurnRecord, ...] = ()  # a sampled run's: the shown repeat's (the first failing, else repeat 0)
    repeats: tuple[QueryRecord, ...] = ()  # a sampled run's K outcomes (K > 1); strict/soft: every repeat's

    @classmethod
    def from_score(cls, query: Query, score: QueryScore) -> QueryRecord:
        turns = tuple(TurnRecord.from_score(t) for t in score.turns)
        repeats = tuple(cls.from_score(query, r) for r in score.repeats)
        return cls(
            query.id,
            query.category,
            query.families,
            query.critical,
            query.prompt,
            score.soft,
            score.strict,
            score.failure,
            turns,
            repeats,
        )

    @property
    def outcomes(self) -> tuple[QueryRecord, ...]:
        """One record per repeat (a single run: itself)."""
        return self.repeats or (self,)

    @property
    def strict_passes(self) -> int:
        return sum(r.strict for r in self.outcomes)

    @property
    def soft_passes(self) -> int:
        return sum(r.soft for r in self.outcomes)

    @classmethod
    def not_scored(cls, query: Query, error: str | None) -> QueryRecord:
        failure = f"not scored: {error or 'unknown error'}"
        return cls(query.id, query.category, query.families, query.critical, query.prompt, False, False, failure)

    def to_json(self) -> Json:
        doc: Json = _plain(
            {
                "id": self.id,
                "category": self.category,
                "families": list(self.families),
                "critical": self.critical,
                "prompt": self.prompt,
                "soft": self.soft,
                "strict": self.strict,
                "failure": self.failure,
                "turns": [t.to_json() for t in self.turns],
            }
        )
        if self.repeats:
            doc["strict_passes"], doc["k"] = self.strict_passes, len(self.repeats)
            doc["repeats"] = [
                {"repeat": i, "soft": r.soft, "strict": r.strict, "failure": r.failure, "turns": r.to_json()["turns"]}
                for i, r in enumerate(self.repeats)
            ]
        return doc

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> QueryRecord:
        record = cls(
            id=str(raw["id"]),
            category=str(raw["category"]),
            families=tuple(raw["families"]),
            critical=bool(raw["critical"]),
            prompt=str(raw["prompt"]),
            soft=bool(raw["soft"]),
            strict=bool(raw["strict"]),
            failure=raw["failure"],
            turns=tuple(TurnRecord.from_json(t) for t in raw["turns"]),
        )
        repeats = tuple(cls.from_json({**raw, **r, "repeats": []}) for r in raw.get("repeats") or [])
        return replace(record, repeats=repeats)

    @property
    def wire_problem(self) -> bool:
        """Whether any turn has a wire-format problem (preamble, missing wrapper, ...)."""
        return any(t.diagnosis.format_failure for t in self.turns)

    @property
    def failing_layer(self) -> str:
        """The first failing layer's name (what a capability failure is counted under)."""
        for turn in self.turns:
            if (layer := turn.first_failure) is not None:
                return layer.name
        return "not scored" if not self.turns else "turn 2 not run"


@dataclass(frozen=True)
class RunResult:
    """A run: its metadata (model, backend, decoding, suite, versions, timings) and its records."""

    metadata: Mapping[str, Any]
    records: tuple[QueryRecord, ...]
    summary: Mapping[str, Any] = field(default_factory=dict)
    scores: Mapping[str, QueryScore] = field(default_factory=dict, compare=False, repr=False)

    def by_id(self) -> dict[str, QueryRecord]:
        return {r.id: r for r in self.records}

    def to_json(self) -> Json:
        return build_results((r.to_json() for r in self.records), self.metadata, self.summary)

    @classmethod
    def from_json(cls, document: Mapping[str, Any], where: str = "results") -> RunResult:
        check_results(document, where)
        records = tuple(QueryRecord.from_json(q) for q in document["queries"])
        return cls(dict(document["metadata"]), records, dict(document["summary"]))

    def write(self, path: Path | str) -> None:
        """Write the results file atomically."""
        write_results(Path(path), self.to_json())

    @classmethod
    def read(cls, path: Path | str) -> RunResult:
        return cls.from_json(read_results(path), str(path))


__all__ = ["QueryRecord", "RunResult", "TurnRecord"]
