"""Baseline vs candidate: pairing, flips, McNemar, refusal of incomparable runs and the verdict policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from results_builder import Q, outcomes, results, write

from punie_eval.errors import DataError, UsageError
from punie_eval.reporting.compare import Comparison, IncomparableRunsError, Verdict, compare
from punie_eval.reporting.results import read_results as load_results


def _load_pair(tmp_path: Path, baseline: dict[str, Any], candidate: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return load_results(write(tmp_path, "baseline.json", baseline)), load_results(
        write(tmp_path, "candidate.json", candidate)
    )


def _compare(tmp_path: Path, baseline: list[Q], candidate: list[Q], **kwargs: Any) -> Comparison:
    floors = kwargs.pop("summary_floors", None)
    base, cand = _load_pair(tmp_path, results(baseline, model="base"), results(candidate, model="cand", floors=floors))
    return compare(base, cand, **kwargs)


def _critical(queries: list[Q], index: int) -> list[Q]:
    q = queries[index]
    return [*queries[:index], Q(q.id, q.category, q.strict, critical=True), *queries[index + 1 :]]


VERDICT_CASES = {
    "promote-improved": (outcomes("single_tool", 8, 2), outcomes("single_tool", 9, 1), {}, Verdict.PROMOTE),
    "promote-despite-one-insignificant-regression": (
        outcomes("single_tool", 10, 0),
        outcomes("single_tool", 9, 1),
        {},
        Verdict.PROMOTE,
    ),
    "hold-below-min-strict": (outcomes("single_tool", 7, 3), outcomes("single_tool", 7, 3), {}, Verdict.HOLD),
    "hold-below-raised-min-strict": (
        outcomes("single_tool", 9, 1),
        outcomes("single_tool", 9, 1),
        {"min_strict": 0.95},
        Verdict.HOLD,
    ),
    "reject-critical-regression": (
        _critical(outcomes("single_tool", 10, 0), 9),
        _critical(outcomes("single_tool", 9, 1), 9),
        {},
        Verdict.REJECT,
    ),
    "reject-floor-from-summary": (
        outcomes("single_tool", 8, 2),
        outcomes("single_tool", 8, 2),
        {"summary_floors": {"single_tool": 0.9}},
        Verdict.REJECT,
    ),
    "reject-floor-override": (
        outcomes("single_tool", 9, 1),
        outcomes("single_tool", 9, 1),
        {"floors": {"single_tool": 0.95}},
        Verdict.REJECT,
    ),
    "reject-significant-regression": (
        outcomes("single_tool", 40, 0),
        outcomes("single_tool", 34, 6),
        {},
        Verdict.REJECT,
    ),
}


@pytest.mark.parametrize(("baseline", "candidate", "kwargs", "verdict"), VERDICT_CASES.values(), ids=VERDICT_CASES)
def test_compare_verdict_follows_policy(
    tmp_path: Path, baseline: list[Q], candidate: list[Q], kwargs: dict[str, Any], verdict: Verdict
) -> None:
    """Each policy path gives its verdict."""
    assert _compare(tmp_path, baseline, candidate, **kwargs).verdict is verdict


REASON_CASES = {
    "critical": ("reject-critical-regression", "critical query 'single_tool-09'"),
    "floor": ("reject-floor-from-summary", "single_tool strict 80.0% is below its floor 90.0%"),
    "significant": ("reject-significant-regression", "exact McNemar p=0.03125 < 0.05"),
    "hold": ("hold-below-min-strict", "overall strict 7/10 (70.0%) is below the gate 80.0%"),
}


@pytest.mark.parametrize(("case", "reason"), REASON_CASES.values(), ids=REASON_CASES)
def test_compare_reasons_name_the_rule(tmp_path: Path, case: str, reason: str) -> None:
    """The reasons say which rule decided the verdict."""
    baseline, candidate, kwargs, _ = VERDICT_CASES[case]
    reasons = _compare(tmp_path, baseline, candidate, **dict(kwargs)).reasons
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("verdict", "code"),
    [(Verdict.PROMOTE, 0), (Verdict.REJECT, 1), (Verdict.HOLD, 3)],
    ids=["promote", "reject", "hold"],
)
def test_compare_verdict_exit_codes(verdict: Verdict, code: int) -> None:
    """CI exit codes: promote 0, reject 1, hold 3."""
    assert verdict.exit_code == code


MISMATCHES = {
    "fingerprint": ({"fingerprint": "b" * 64}, "metadata.suite.fingerprint"),
    "scorer-version": ({"scorer_version": "2"}, "metadata.scorer_version"),
}


@pytest.mark.parametrize(("override", "field"), MISMATCHES.values(), ids=MISMATCHES)
def test_compare_refuses_incomparable_runs(tmp_path: Path, override: dict[str, str], field: str) -> None:
    """Different suites or scorer versions are refused with one line naming the field."""
    base, cand = _load_pair(
        tmp_path, results(outcomes("single_tool", 9, 1)), results(outcomes("single_tool", 9, 1), **override)
    )
    with pytest.raises(IncomparableRunsError, match=field) as info:
        compare(base, cand)
    assert "\n" not in str(info.value)
    assert "--force" in str(info.value)


@pytest.mark.parametrize(("override", "field"), MISMATCHES.values(), ids=MISMATCHES)
def test_compare_force_overrides_and_records_mismatch(tmp_path: Path, override: dict[str, str], field: str) -> None:
    """With force=True incomparable runs are compared and the mismatch is recorded."""
    base, cand = _load_pair(
        tmp_path, results(outcomes("single_tool", 9, 1)), results(outcomes("single_tool", 9, 1), **override)
    )
    comparison = compare(base, cand, force=True)
    assert comparison.forced
    assert [field in m for m in comparison.mismatches] == [True]


def test_compare_flips_list_regressions_first_in_candidate_order(tmp_path: Path) -> None:
    """Flips: pass→fail first, then fail→pass, each in the candidate's query order."""
    baseline = [Q("a", "single_tool", False), Q("b", "single_tool", True), Q("c", "cross_tool", False)]
    baseline += [Q("d", "cross_tool", True), Q("e", "cross_tool", True)]
    candidate = [Q("a", "single_tool", True), Q("b", "single_tool", False), Q("c", "cross_tool", True)]
    candidate += [Q("d", "cross_tool", False), Q("e", "cross_tool", True)]
    flips = _compare(tmp_path, baseline, candidate).flips
    assert [(f.id, f.regressed) for f in flips] == [("b", True), ("d", True), ("a", False), ("c", False)]


def test_compare_flips_carry_both_raw_responses(tmp_path: Path) -> None:
    """A flip holds the raw responses of both runs and the failure reason."""
    baseline = [Q("a", "single_tool", True, response="<tool_call>git_status()")]
    candidate = [Q("a", "single_tool", False, response="Let me check.")]
    (flip,) = _compare(tmp_path, baseline, candidate).flips
    assert (flip.baseline_responses, flip.candidate_responses) == (("<tool_call>git_status()",), ("Let me check.",))
    assert flip.candidate_failure == "identity: a called run_command"


def test_compare_mcnemar_counts_discordant_strict_pairs(tmp_path: Path) -> None:
    """McNemar uses b = pass→fail and c = fail→pass of the strict outcomes."""
    test = _compare(tmp_path, outcomes("single_tool", 40, 0), outcomes("single_tool", 34, 6)).mcnemar
    assert (test.regressed, test.fixed, test.p_exact, test.p_mid) == (6, 0, 0.03125, 0.015625)


def test_compare_pairs_only_common_ids_and_reports_the_rest(tmp_path: Path) -> None:
    """Queries present in one run only are left out of every rate and listed."""
    baseline = [Q("a", "single_tool", True), Q("b", "single_tool", True), Q("old", "single_tool", False)]
    candidate = [Q("new", "single_tool", False), Q("a", "single_tool", True), Q("b", "single_tool", True)]
    comparison = _compare(tmp_path, baseline, candidate)
    assert (comparison.overall.n, comparison.only_in_baseline, comparison.only_in_candidate) == (2, ("old",), ("new",))


def test_compare_categories_in_suite_order_with_deltas(tmp_path: Path) -> None:
    """Categories follow the suite's order and carry per-side rates and deltas."""
    baseline = outcomes("cross_tool", 2, 2) + outcomes("direct_answers", 4, 0)
    candidate = outcomes("cross_tool", 3, 1) + outcomes("direct_answers", 4, 0)
    groups = _compare(tmp_path, baseline, candidate).categories
    assert [(g.name, g.baseline_strict.passed, g.candidate_strict.passed, g.strict_delta) for g in groups] == [
        ("direct_answers", 4, 4, 0.0),
        ("cross_tool", 2, 3, 0.25),
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"floors": {"no_such_category": 0.5}}, UsageError, "no_such_category"),
        ({"floors": {"single_tool": 1.5}}, UsageError, "between 0 and 1"),
        ({"alpha": -0.1}, UsageError, "alpha"),
    ],
    ids=["unknown-floor-category", "floor-out-of-range", "alpha-out-of-range"],
)
def test_compare_rejects_bad_options(
    tmp_path: Path, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Bad option values raise UsageError with one line naming the option."""
    with pytest.raises(error, match=match):
        _compare(tmp_path, outcomes("single_tool", 9, 1), outcomes("single_tool", 9, 1), **kwargs)


@pytest.mark.parametrize(
    ("side", "document", "match"),
    [
        ("baseline", {"format": "other/1"}, "baseline: the document must have metadata"),
        ("candidate", [], "candidate: the document must be an object"),
    ],
    ids=["baseline-not-results", "candidate-not-an-object"],
)
def test_compare_checks_both_documents(tmp_path: Path, side: str, document: Any, match: str) -> None:
    """A document that is not a results file raises DataError naming the side."""
    good = results(outcomes("single_tool", 1, 0))
    with pytest.raises(DataError, match=match):
        compare(document, good) if side == "baseline" else compare(good, document)


def test_compare_refuses_runs_without_common_queries(tmp_path: Path) -> None:
    """Two runs with no query id in common cannot be compared."""
    with pytest.raises(DataError, match="at least one query id"):
        _compare(tmp_path, outcomes("single_tool", 1, 0, prefix="x-"), outcomes("single_tool", 1, 0, prefix="y-"))


def test_compare_ignores_floor_of_a_known_category_not_in_the_runs(tmp_path: Path) -> None:
    """A floor for a suite category absent from a partial run (pytest -k) gates nothing."""
    comparison = _compare(
        tmp_path, outcomes("single_tool", 9, 1), outcomes("single_tool", 9, 1), floors={"multi_turn": 0.9}
    )
    assert (comparison.verdict, [g.name for g in comparison.categories]) == (Verdict.PROMOTE, ["single_tool"])
