"""Per-category soft/strict counts and diagnosis counts over the query records of a run.

Works on the JSON-ready records of :mod:`punie_eval.reporting.results` (what pytest-xdist workers
send to the controller), so the same numbers feed the terminal summary, the gate and the
results file. Format failures (the wire format: preambles, missing wrappers, …) are
counted apart from capability failures (the first failing layer of a well-formed answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from punie_eval.queries import CategorySpec
from punie_eval.reporting.gate import Counts, GateResult
from punie_eval.reporting.repeats import RepeatStats, repeat_lines, repeat_stats
from punie_eval.reporting.text import counts_text, pct

if TYPE_CHECKING:
    from punie_eval.evaluation.result import QueryRecord


@dataclass(frozen=True)
class CategoryTally:
    name: str
    soft: Counts
    strict: Counts
    target: float | None
    floor: float | None


@dataclass(frozen=True)
class Tally:
    overall_soft: Counts
    overall_strict: Counts
    categories: tuple[CategoryTally, ...]
    diagnoses: Mapping[str, int]  # every turn's label, "ok" included
    format_failures: Mapping[str, int]  # label -> turns with that wire-format problem
    capability_failures: Mapping[str, int]  # first failing layer -> strict-failed queries without a format problem
    repeats: tuple[RepeatStats, ...] = ()  # sampled runs (K > 1): per category, then overall

    def strict_by_category(self) -> dict[str, Counts]:
        return {c.name: c.strict for c in self.categories}


def tally(records: Iterable[QueryRecord], categories: Mapping[str, CategorySpec], floors: Mapping[str, float]) -> Tally:
    """Count soft/strict per category (suite order, then any others) and the diagnoses.

    Every outcome counts: a sampled run's K repeats of a query are K outcomes, so soft and
    strict are pass rates over queries x K (what the gate compares with its thresholds).
    """
    records = list(records)
    diagnoses: Counter[str] = Counter()
    format_failures: Counter[str] = Counter()
    capability: Counter[str] = Counter()
    for outcome in (o for record in records for o in record.outcomes):
        for turn in outcome.turns:
            diagnoses[turn.diagnosis.label] += 1
            if turn.diagnosis.format_failure:
                format_failures[turn.diagnosis.label] += 1
        if not outcome.strict and not outcome.wire_problem:
            capability[outcome.failing_layer] += 1
    names = [c for c in categories if any(r.category == c for r in records)]
    names += sorted({r.category for r in records} - set(names))
    rows = []
    for name in names:
        mine = [r for r in records if r.category == name]
        spec = categories.get(name)
        rows.append(
            CategoryTally(
                name=name,
                soft=_outcomes(mine, soft=True),
                strict=_outcomes(mine, soft=False),
                target=spec.target if spec else None,
                floor=floors.get(name, spec.floor if spec else None),
            )
        )
    repeats: tuple[RepeatStats, ...] = ()
    if any(r.repeats for r in records):
        repeats = (
            *(repeat_stats(n, [r for r in records if r.category == n]) for n in names),
            repeat_stats("overall", records),
        )
    return Tally(
        overall_soft=_outcomes(records, soft=True),
        overall_strict=_outcomes(records, soft=False),
        categories=tuple(rows),
        diagnoses=dict(diagnoses.most_common()),
        format_failures=dict(format_failures.most_common()),
        capability_failures=dict(capability.most_common()),
        repeats=repeats,
    )


def _outcomes(records: Iterable[QueryRecord], *, soft: bool) -> Counts:
    records = list(records)
    passed = sum(r.soft_passes if soft else r.strict_passes for r in records)
    return Counts(passed, sum(len(r.outcomes) for r in records))


def summary_lines(result: Tally, min_strict: float, gate: GateResult | None) -> list[str]:
    """The terminal table: category, soft, strict, target, floor; then diagnoses and the gate."""
    width = max([len("category"), len("overall"), *(len(c.name) for c in result.categories)])
    cells = [str(c) for row in result.categories for c in (row.soft, row.strict)]
    col = max([16, *(len(cell) + 2 for cell in (*cells, str(result.overall_soft), str(result.overall_strict)))])
    lines = [f"{'category':<{width}}  {'soft':<{col}}{'strict':<{col}}{'target':>7}{'floor':>7}"]
    for c in result.categories:
        mark = "" if c.target is None or not c.strict.below(c.target) else "  below target"
        lines.append(
            f"{c.name:<{width}}  {c.soft!s:<{col}}{c.strict!s:<{col}}{pct(c.target, 0):>7}{pct(c.floor, 0):>7}{mark}"
        )
    lines.append(
        f"{'overall':<{width}}  {result.overall_soft!s:<{col}}{result.overall_strict!s:<{col}}{pct(min_strict, 0):>7}"
    )
    if result.repeats:
        lines.extend(repeat_lines(result.repeats[:-1], result.repeats[-1]))
    lines.append("format failures: " + counts_text(result.format_failures))
    lines.append("capability failures: " + counts_text(result.capability_failures))
    if gate is not None:
        lines.append(f"gate {gate.describe()}")
    return lines


def summary_document(result: Tally, gate: GateResult | None) -> dict[str, Any]:
    """The ``summary`` part of the results file."""

    def rates(soft: Counts, strict: Counts) -> dict[str, Any]:
        return {"n": soft.n, "soft": soft.passed, "strict": strict.passed}

    return {
        "overall": rates(result.overall_soft, result.overall_strict),
        "categories": {
            c.name: {**rates(c.soft, c.strict), "target": c.target, "floor": c.floor} for c in result.categories
        },
        "diagnoses": dict(result.diagnoses),
        "format_failures": dict(result.format_failures),
        "capability_failures": dict(result.capability_failures),
        **({"repeats": {r.name: r.as_dict() for r in result.repeats}} if result.repeats else {}),
        "gate": None
        if gate is None
        else {"passed": gate.passed, "min_strict": gate.min_strict, "reasons": list(gate.reasons)},
    }
