"""Wilson interval and McNemar tests against values computed by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punie_eval.reporting.stats import Z_95, mcnemar_exact, mcnemar_midp, wilson_interval

Z2 = Z_95**2  # 3.841458820694124


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        # k = 0: lower bound 0, upper bound z²/(n + z²)
        (0, 10, (0.0, Z2 / (10 + Z2))),
        # k = n: lower bound n/(n + z²), upper bound 1
        (10, 10, (10 / (10 + Z2), 1.0)),
        # 45/57: roots of (1 + z²/n) p² - (2·45/57 + z²/n) p + (45/57)² = 0
        (45, 57, (0.667138789168095, 0.875254516969654)),
        # 1/2: symmetric around 1/2, half-width z·sqrt(1/2 + z²/4)/(2 + z²)
        (1, 2, (0.5 - Z_95 * (0.5 + Z2 / 4) ** 0.5 / (2 + Z2), 0.5 + Z_95 * (0.5 + Z2 / 4) ** 0.5 / (2 + Z2))),
        # nothing observed: nothing known
        (0, 0, (0.0, 1.0)),
    ],
    ids=["k=0", "k=n", "45-of-57", "1-of-2", "n=0"],
)
def test_stats_wilson_interval_matches_hand_values(k: int, n: int, expected: tuple[float, float]) -> None:
    """The Wilson interval equals the closed-form / hand-solved bounds."""
    assert wilson_interval(k, n) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("b", "c", "exact", "midp"),
    [
        # n = 6, min = 0: 2·(1/64) = 1/32; mid-p subtracts P(X=0) = 1/64
        (0, 6, 0.03125, 0.015625),
        (6, 0, 0.03125, 0.015625),
        # n = 10, min = 1: 2·(1 + 10)/1024 = 22/1024; mid-p 22/1024 - 10/1024 = 12/1024
        (1, 9, 22 / 1024, 12 / 1024),
        # n = 7, min = 2: 2·(1 + 7 + 21)/128 = 58/128; mid-p 58/128 - 21/128 = 37/128
        (2, 5, 58 / 128, 37 / 128),
        # b = c: the observed split is the centre, both p-values are 1
        (3, 3, 1.0, 1.0),
        # n = 1: 2·(1/2) = 1; mid-p 1 - 1/2
        (0, 1, 1.0, 0.5),
        # no discordant pairs: no evidence of any difference
        (0, 0, 1.0, 1.0),
    ],
    ids=["b0-c6", "b6-c0", "b1-c9", "b2-c5", "b=c", "b0-c1", "empty"],
)
def test_stats_mcnemar_matches_hand_values(b: int, c: int, exact: float, midp: float) -> None:
    """Exact and mid-p McNemar p-values equal the binomial sums computed by hand."""
    assert (mcnemar_exact(b, c), mcnemar_midp(b, c)) == pytest.approx((exact, midp), abs=1e-15)


@pytest.mark.parametrize(
    ("call", "args"),
    [(wilson_interval, (3, 2)), (wilson_interval, (-1, 5)), (mcnemar_exact, (-1, 2)), (mcnemar_midp, (2, -1))],
    ids=["wilson-k>n", "wilson-k<0", "exact-negative", "midp-negative"],
)
def test_stats_rejects_impossible_counts(call: object, args: tuple[int, int]) -> None:
    """Counts that cannot happen raise ValueError instead of returning a number."""
    assert callable(call)
    with pytest.raises(ValueError, match=r"must be|need"):
        call(*args)


@given(st.integers(0, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_stats_wilson_interval_contains_the_estimate(kn: tuple[int, int]) -> None:
    """The interval lies in [0, 1] and contains k/n."""
    k, n = kn
    low, high = wilson_interval(k, n)
    estimate = k / n if n else 0.5
    assert 0.0 <= low <= estimate <= high <= 1.0


@given(st.integers(0, 200), st.integers(0, 200))
def test_stats_mcnemar_is_symmetric_and_midp_is_smaller(b: int, c: int) -> None:
    """Swapping b and c changes nothing, and mid-p never exceeds the exact p-value."""
    assert mcnemar_exact(b, c) == mcnemar_exact(c, b)
    assert 0.0 < mcnemar_midp(b, c) <= mcnemar_exact(b, c) <= 1.0
