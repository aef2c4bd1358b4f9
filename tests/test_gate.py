"""The absolute gate: overall strict accuracy and per-category floors."""

from __future__ import annotations

import pytest

from punie_eval.reporting.gate import Counts, evaluate_gate

CASES = [
    ({"a": Counts(8, 10)}, 0.8, {"a": 0.5}, ()),
    ({"a": Counts(7, 10)}, 0.8, {"a": 0.5}, ("strict 7/10 (70.0%) is below --min-strict 80.0%",)),
    ({"a": Counts(9, 10), "b": Counts(2, 5)}, 0.7, {"a": 0.5, "b": 0.6},
     ("b strict 2/5 (40.0%) is below its floor 60.0%",)),
    ({"a": Counts(7, 10)}, 0.7, {"a": 0.7}, ()),
    ({"a": Counts(0, 0)}, 0.8, {"a": 0.5}, ("no query was scored",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("strict", "min_strict", "floors", "reasons"),
    CASES,
    ids=["passes", "below-min-strict", "below-floor", "exactly-at-thresholds", "empty"],
)
def test_gate_reasons(
    strict: dict[str, Counts], min_strict: float, floors: dict[str, float], reasons: tuple[str, ...]
) -> None:
    """The gate passes iff it finds no reason, each reason naming the counts and the threshold."""
    result = evaluate_gate(strict, min_strict=min_strict, floors=floors)
    assert result.reasons == reasons
    assert result.passed is not reasons
