"""Compare a candidate run with the promoted baseline and decide: promote, hold or reject.

Both inputs are results documents (format ``punie-eval-results/1``, docs/architecture.md).

Comparability. Runs of different query suites (``metadata.suite.fingerprint``) or scorer
versions (``metadata.scorer_version``) measure different things; ``compare`` refuses them
with :class:`IncomparableRunsError` unless ``force=True`` (the mismatch is then reported).
Queries are paired by id; only ids present in both runs are compared, the others are listed.
Every rate below is computed over the paired queries, so both sides count the same items.

Policy (strict outcomes; the first matching rule wins, every matching reason is reported):

1. REJECT when any of
   - a query marked ``critical`` (in either run) regresses: strict pass → strict fail;
   - a category's candidate strict accuracy is below its floor (floors come from the
     candidate's ``summary.categories[cat].floor``; ``floors=`` overrides them per category);
   - the paired strict outcomes regress significantly: the exact two-sided McNemar test on
     the discordant pairs gives p < ``alpha`` AND more queries went pass→fail than fail→pass.
2. PROMOTE when the candidate passes the absolute gate: overall strict accuracy ≥
   ``min_strict`` (default 0.80) and every category floor is met (already true if not
   rejected), and nothing regresses significantly (likewise).
3. HOLD otherwise: nothing is broken enough to reject, but the candidate is not good enough
   to promote (overall strict accuracy below ``min_strict``).

Sampled runs (``--repeats K``): both runs must have the same K (else IncomparableRunsError).
Each query's outcome is then its strict pass count out of K; rates count outcomes (queries x
K); a flip is a query whose pass count changed, a regression one whose count fell (a critical
query regresses when its count falls at all); the paired test is the exact sign test on the
queries whose count fell vs rose, which is McNemar's test when K = 1.

The mid-p McNemar value is reported alongside the exact one but does not decide anything.
Exit codes for CI (:attr:`Verdict.exit_code`): promote 0, reject 1, hold 3; usage and data
errors exit 2 (``punie_eval.cli``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from punie_eval.errors import DataError, UsageError
from punie_eval.queries import CATEGORIES
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.results import check_results, read_results
from punie_eval.reporting.stats import mcnemar_exact, mcnemar_midp
from punie_eval.reporting.text import pct
from punie_eval.values import fraction

if TYPE_CHECKING:
    from punie_eval.evaluation.result import RunResult


class IncomparableRunsError(DataError):
    """Baseline and candidate were produced by different query suites or scorer versions."""


class Verdict(enum.Enum):
    PROMOTE = "promote"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def exit_code(self) -> int:
        """The process exit code CI gates on: promote 0, reject 1, hold 3."""
        return {Verdict.PROMOTE: 0, Verdict.REJECT: 1, Verdict.HOLD: 3}[self]


@dataclass(frozen=True)
class Group:
    """Soft and strict rates of one category (or ``overall``) for both runs, on paired queries."""

    name: str
    n: int
    baseline_soft: Counts
    baseline_strict: Counts
    candidate_soft: Counts
    candidate_strict: Counts
    threshold: float  # the category floor; min_strict for "overall"

    @property
    def soft_delta(self) -> float:
        return self.candidate_soft.rate - self.baseline_soft.rate

    @property
    def strict_delta(self) -> float:
        return self.candidate_strict.rate - self.baseline_strict.rate

    @property
    def below_threshold(self) -> bool:
        return self.candidate_strict.rate < self.threshold


@dataclass(frozen=True)
class Flip:
    """A query whose strict outcome changed; ``regressed`` means pass → fail."""

    id: str
    category: str
    critical: bool
    regressed: bool
    baseline_responses: tuple[str, ...]
    candidate_responses: tuple[str, ...]
    baseline_failure: str | None
    candidate_failure: str | None
    baseline_passes: int = 0  # strict passes of k repeats (sampled runs)
    candidate_passes: int = 0
    k: int = 1


@dataclass(frozen=True)
class McNemar:
    """Paired test on strict outcomes: b = pass→fail, c = fail→pass."""

    regressed: int
    fixed: int
    p_exact: float
    p_mid: float


@dataclass(frozen=True)
class RunInfo:
    """Who produced a results document: model name and hash, suite, scorer version."""

    model: str
    model_hash: str
    suite: str
    fingerprint: str
    scorer_version: str


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    reasons: tuple[str, ...]
    baseline: RunInfo
    candidate: RunInfo
    overall: Group
    categories: tuple[Group, ...]
    flips: tuple[Flip, ...]  # pass→fail first, then fail→pass, each in candidate order
    mcnemar: McNemar
    min_strict: float
    alpha: float
    only_in_baseline: tuple[str, ...]
    only_in_candidate: tuple[str, ...]
    mismatches: tuple[str, ...]  # comparability problems overridden by force=True
    forced: bool
    repeats: int = 1  # outcomes per query in both runs


def run_info(data: Mapping[str, Any]) -> RunInfo:
    meta = data["metadata"]
    model = meta.get("model") or {}
    suite = meta.get("suite") or {}
    return RunInfo(
        model=str(model.get("name") or model.get("path") or "?"),
        model_hash=str(model.get("hash") or "?"),
        suite=str(suite.get("name") or "?"),
        fingerprint=str(suite.get("fingerprint") or "?"),
        scorer_version=str(meta.get("scorer_version") or "?"),
    )


def _mismatches(base: RunInfo, cand: RunInfo) -> list[str]:
    out = []
    for field, b, c in (
        ("metadata.suite.fingerprint", base.fingerprint, cand.fingerprint),
        ("metadata.scorer_version", base.scorer_version, cand.scorer_version),
    ):
        if b != c or b == "?":
            out.append(f"{field} must be recorded and equal in both runs, got {b!r} vs {c!r}")
    return out


def _category_order(names: Iterable[str]) -> list[str]:
    present = set(names)
    known = [c for c in CATEGORIES if c in present]
    return known + sorted(present - set(known))


def passes(query: Mapping[str, Any], key: str = "strict") -> tuple[int, int]:
    """(passes, outcomes) of a query record: K repeats in a sampled run, else its one outcome."""
    repeats = query.get("repeats") or []
    if repeats:
        return sum(bool(r[key]) for r in repeats), len(repeats)
    return int(bool(query[key])), 1


def repeats_of(document: Mapping[str, Any]) -> int:
    """Outcomes per query of a run (``metadata.repeats``; 1 for a greedy run)."""
    value = document["metadata"].get("repeats", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def _group(name: str, pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]], threshold: float) -> Group:
    def rate(side: int, key: str) -> Counts:
        counted = [passes(pair[side], key) for pair in pairs]
        return Counts(sum(c for c, _ in counted), sum(n for _, n in counted))

    return Group(name, len(pairs), rate(0, "soft"), rate(0, "strict"), rate(1, "soft"), rate(1, "strict"), threshold)


def _responses(query: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(t.get("response", "")) for t in query.get("turns", []) if isinstance(t, dict))


def _floors(candidate: Mapping[str, Any], categories: list[str], overrides: Mapping[str, float]) -> dict[str, float]:
    summary = candidate["summary"].get("categories") or {}
    unknown = sorted(set(overrides) - set(categories) - set(summary) - set(CATEGORIES))
    if unknown:
        raise UsageError(f"--floor: category must be one of {', '.join(categories)}; got {unknown[0]!r}")
    floors = {c: float((summary.get(c) or {}).get("floor") or 0.0) for c in categories}
    floors.update({c: float(v) for c, v in overrides.items() if c in floors})  # absent categories: nothing to gate
    return floors


def _check_probability(name: str, value: float) -> None:
    fraction(name, value)


def _document(run: Mapping[str, Any] | RunResult | Path | str) -> Mapping[str, Any]:
    """A results document from a document, a RunResult or a results file's path."""
    if isinstance(run, Path | str):
        return read_results(run)
    return run.to_json() if hasattr(run, "to_json") else run


def _coverage_problem(document: Mapping[str, Any], side: str) -> str | None:
    """Why a run cannot stand for the whole suite (partial, or no coverage recorded), else None."""
    from punie_eval.evaluation.conclude import partial_reason

    cover = document["metadata"].get("coverage")
    if not isinstance(cover, dict) or not isinstance(cover.get("complete"), bool):
        return f"the {side} records no coverage (written before punie-eval recorded it); pass --allow-partial"
    return None if cover["complete"] else partial_reason(cover, f"the {side}")


def compare(
    baseline: Mapping[str, Any] | RunResult | Path | str,
    candidate: Mapping[str, Any] | RunResult | Path | str,
    *,
    force: bool = False,
    allow_partial: bool = False,
    min_strict: float = 0.80,
    floors: Mapping[str, float] | None = None,
    alpha: float = 0.05,
) -> Comparison:
    """Pair the two runs by query id and apply the promotion policy of this module."""
    baseline, candidate = _document(baseline), _document(candidate)
    check_results(baseline, "baseline")
    check_results(candidate, "candidate")
    for side, document in (("baseline", baseline), ("candidate", candidate)):
        problem = None if allow_partial else _coverage_problem(document, side)
        if problem is not None:
            raise IncomparableRunsError(f"{side}", problem)
    _check_probability("min_strict", min_strict)
    _check_probability("alpha", alpha)
    for cat, value in (floors or {}).items():
        _check_probability(f"floor for {cat}", value)
    base_info, cand_info = run_info(baseline), run_info(candidate)
    repeats = repeats_of(baseline)
    if repeats != repeats_of(candidate):
        raise IncomparableRunsError(
            "baseline vs candidate",
            f"metadata.repeats must be equal in both runs, got {repeats} vs {repeats_of(candidate)}",
            "compare runs made with the same --repeats",
        )
    mismatches = _mismatches(base_info, cand_info)
    if mismatches and not force:
        raise IncomparableRunsError(
            "baseline vs candidate", "; ".join(mismatches), "compare runs of one suite and scorer, or pass --force"
        )
    base_by_id = {q["id"]: q for q in baseline["queries"]}
    cand_by_id = {q["id"]: q for q in candidate["queries"]}
    paired = [(base_by_id[q["id"]], q) for q in candidate["queries"] if q["id"] in base_by_id]
    if not paired:
        raise DataError("baseline vs candidate", "must share at least one query id, got none in common")
    categories = _category_order(c["category"] for _, c in paired)
    floor_of = _floors(candidate, categories, floors or {})
    groups = tuple(_group(cat, [p for p in paired if p[1]["category"] == cat], floor_of[cat]) for cat in categories)
    overall = _group("overall", paired, min_strict)

    flips = [
        Flip(
            id=c["id"],
            category=c["category"],
            critical=bool(b.get("critical") or c.get("critical")),
            regressed=passes(c)[0] < passes(b)[0],
            baseline_responses=_responses(b),
            candidate_responses=_responses(c),
            baseline_failure=b.get("failure"),
            candidate_failure=c.get("failure"),
            baseline_passes=passes(b)[0],
            candidate_passes=passes(c)[0],
            k=repeats,
        )
        for b, c in paired
        if passes(b) != passes(c)
    ]
    flips.sort(key=lambda f: not f.regressed)  # stable: keeps candidate order within each direction
    regressed = sum(f.regressed for f in flips)
    fixed = len(flips) - regressed
    test = McNemar(regressed, fixed, mcnemar_exact(regressed, fixed), mcnemar_midp(regressed, fixed))

    verdict, reasons = _decide(overall, groups, flips, test, alpha, repeats)
    return Comparison(
        verdict=verdict,
        reasons=tuple(reasons),
        baseline=base_info,
        candidate=cand_info,
        overall=overall,
        categories=groups,
        flips=tuple(flips),
        mcnemar=test,
        min_strict=min_strict,
        alpha=alpha,
        only_in_baseline=tuple(q for q in base_by_id if q not in cand_by_id),
        only_in_candidate=tuple(q for q in cand_by_id if q not in base_by_id),
        mismatches=tuple(mismatches),
        forced=force,
        repeats=repeats,
    )


def _decide(
    overall: Group, groups: tuple[Group, ...], flips: list[Flip], test: McNemar, alpha: float, repeats: int
) -> tuple[Verdict, list[str]]:
    how = f"pass rate fell {{}}/{repeats} → {{}}/{repeats}" if repeats > 1 else "regressed pass→fail"
    test_name = "exact sign test on pass rates" if repeats > 1 else "exact McNemar"
    rejects = [
        f"critical query {f.id!r} ({f.category}) {how.format(f.baseline_passes, f.candidate_passes)}"
        for f in flips
        if f.regressed and f.critical
    ]
    rejects += [
        f"{g.name} strict {pct(g.candidate_strict.rate)} is below its floor {pct(g.threshold)}"
        for g in groups
        if g.below_threshold
    ]
    if test.p_exact < alpha and test.regressed > test.fixed:
        rejects.append(
            f"significant paired regression: {test.regressed} pass→fail vs {test.fixed} fail→pass "
            f"({test_name} p={test.p_exact:.4g} < {alpha:g})"
        )
    if rejects:
        return Verdict.REJECT, rejects
    strict = overall.candidate_strict
    if overall.below_threshold:
        return Verdict.HOLD, [
            f"overall strict {strict.passed}/{strict.n} ({pct(strict.rate)}) is below the gate {pct(overall.threshold)}"
        ]
    return Verdict.PROMOTE, [
        f"overall strict {strict.passed}/{strict.n} ({pct(strict.rate)}) meets the gate {pct(overall.threshold)}",
        "every category meets its floor",
        f"no significant regression ({test.regressed} pass→fail vs {test.fixed} fail→pass, "
        f"{test_name} p={test.p_exact:.4g})",
    ]
