"""The end of a run, without pytest: summary table, gate, baseline comparison, results file.

    RunResult ─tally─▶ summary lines ─gate─▶ verdict ─compare(--baseline)─▶ verdict lines
              └─▶ results file (written LAST, so a run never compares with a file it wrote)

The plugin's end-of-session hook is a thin call of :func:`conclude`; scripts call it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from punie_eval.errors import PunieEvalError
from punie_eval.evaluation.result import RunResult
from punie_eval.queries import QuerySuite
from punie_eval.reporting import summary
from punie_eval.reporting.gate import GateResult, evaluate_gate

DEFAULT_MIN_STRICT = 0.80


@dataclass(frozen=True)
class GatePolicy:
    """The absolute gate: overall strict accuracy and per-category floors (suite floors, overridden)."""

    enabled: bool = False
    min_strict: float = DEFAULT_MIN_STRICT
    floor_overrides: Mapping[str, float] = field(default_factory=dict)
    allow_partial: bool = False  # gate (and compare) a run that covers only part of the suite

    def floors(self, suite: QuerySuite) -> dict[str, float]:
        floors = {name: spec.floor for name, spec in suite.categories.items()}
        floors.update(self.floor_overrides)
        return floors


@dataclass(frozen=True)
class Conclusion:
    """What the end of a run says and decides."""

    result: RunResult  # with its summary filled in
    lines: tuple[str, ...]  # the terminal summary, then results and baseline lines
    gate: GateResult | None
    rejected: bool  # the baseline comparison rejected the candidate (or could not be made)

    @property
    def passed(self) -> bool:
        """Whether the gate (when on) and the baseline comparison (when asked) let the model through."""
        return (self.gate is None or self.gate.passed) and not self.rejected


def coverage(result: RunResult, suite: QuerySuite) -> dict[str, Any]:
    """Whether the run covered the whole suite, and which queries it left out (``-k``, ``-m``, ``-x``)."""
    ran = {r.id for r in result.records}
    missing = [q.id for q in suite.queries if q.id not in ran]
    return {"complete": not missing, "queries": len(ran), "suite": len(suite.queries), "missing": missing}


def partial_reason(cover: Mapping[str, Any], what: str) -> str:
    return (
        f"{what} covers {cover['queries']} of the suite's {cover['suite']} queries (a partial run: "
        f"{', '.join(cover['missing'][:3])}{', ...' if len(cover['missing']) > 3 else ''} left out); "
        "pass --allow-partial to accept it"
    )


def summarize(
    result: RunResult, suite: QuerySuite, policy: GatePolicy
) -> tuple[RunResult, list[str], GateResult | None]:
    """The run with its coverage and summary, the summary lines and the gate's verdict (when on).

    The gate fails a partial run unless the policy allows it: a subset must not pass for the suite.
    """
    floors = policy.floors(suite)
    table = summary.tally(result.records, suite.categories, floors)
    cover = coverage(result, suite)
    gate = None
    if policy.enabled:
        gate = evaluate_gate(table.strict_by_category(), min_strict=policy.min_strict, floors=floors)
        if not cover["complete"] and not policy.allow_partial:
            gate = replace(gate, passed=False, reasons=(*gate.reasons, partial_reason(cover, "the run")))
    lines = summary.summary_lines(table, policy.min_strict, gate)
    if (spent := timing_line(result.metadata)) is not None:
        lines.insert(-1 if gate is not None else len(lines), spent)
    metadata = {**result.metadata, "coverage": cover}
    return replace(result, metadata=metadata, summary=summary.summary_document(table, gate)), lines, gate


def timing_line(metadata: Mapping[str, Any]) -> str | None:
    """``generation: 69 conversations, 3,380 tokens in 6.5 s (520 tok/s)``; None when nothing was generated."""
    t = metadata.get("timings") or {}
    if not t.get("generated"):
        return None
    rate = f" ({t['tokens_per_s']:.0f} tok/s)" if t.get("tokens_per_s") else ""
    tokens = t.get("tokens") or 0
    return f"generation: {t['generated']} conversations, {tokens:,} tokens in {t['generation_s']:.1f} s{rate}"


def _compare(result: RunResult, baseline: Path, suite: QuerySuite, policy: GatePolicy) -> tuple[list[str], bool]:
    from punie_eval.reporting.compare import Verdict, compare

    try:
        outcome = compare(
            baseline,
            result.to_json(),
            min_strict=policy.min_strict,
            floors=policy.floors(suite),
            allow_partial=policy.allow_partial,
        )
    except PunieEvalError as err:
        return [f"baseline {baseline}: cannot compare: {err}"], True
    lines = [f"baseline {baseline}: {outcome.verdict.name}", *(f"  {reason}" for reason in outcome.reasons)]
    return lines, outcome.verdict is Verdict.REJECT


def _record(result: RunResult, history: Path, interrupted: bool) -> str:
    from punie_eval.history.store import record_run

    if interrupted:
        return f"history: run not recorded: the run was interrupted ({history} left as it was)"
    try:
        return f"history: run {record_run(history, result)} recorded in {history}"
    except PunieEvalError as err:
        return f"history: run not recorded: {err}"


def conclude(
    result: RunResult,
    suite: QuerySuite,
    policy: GatePolicy | None = None,
    *,
    results: Path | None = None,
    baseline: Path | None = None,
    interrupted: bool = False,
    history: Path | None = None,
) -> Conclusion:
    """Summarise, gate, compare with ``baseline``, then write ``results`` and append the run to
    ``history`` (neither when interrupted)."""
    policy = policy or GatePolicy()
    result, lines, gate = summarize(result, suite, policy)
    rejected = False
    if baseline is not None:
        compared, rejected = _compare(result, baseline, suite, policy)
        lines += compared
    if results is not None and interrupted:
        lines.append(f"results not written: the run was interrupted ({results} left as it was)")
    elif results is not None:
        result.write(results)
        lines.append(f"results written to {results}")
    if history is not None:
        lines.append(_record(result, history, interrupted))
    return Conclusion(result, tuple(lines), gate, rejected)


def merge_metadata(parts: Sequence[Mapping[str, Any]], total_s: float) -> dict[str, Any]:
    """One run's metadata from the metadata of each process that generated (pytest-xdist workers)."""
    from punie_eval.reporting.results import timings

    merged = dict(parts[0])

    def total(name: str) -> Any:
        return sum((p.get("timings") or {}).get(name) or 0 for p in parts)

    merged["timings"] = timings(round(total("generation_s"), 3), total_s, total("tokens"), total("generated"))
    merged["model_loads"] = sum(int(p.get("model_loads") or 0) for p in parts)
    return merged


__all__ = ["DEFAULT_MIN_STRICT", "Conclusion", "GatePolicy", "conclude", "merge_metadata", "summarize"]
