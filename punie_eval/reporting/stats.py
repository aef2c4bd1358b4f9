"""The two statistics a promotion decision needs, computed by hand with ``math``.

Wilson score interval (95%) for a pass rate of k out of n, with z = 1.959963984540054::

    centre     = (k + z²/2) / (n + z²)
    half-width = z / (n + z²) * sqrt(k (n - k) / n + z²/4)
    interval   = [centre - half-width, centre + half-width], clamped to [0, 1]

It stays inside [0, 1] and is sensible at k = 0 and k = n (where the normal
approximation collapses to a zero-width interval): k = 0 gives [0, z²/(n + z²)],
k = n gives [n/(n + z²), 1]. With n = 0 nothing is known and the interval is [0, 1].

McNemar's test for paired outcomes (the same queries scored on two models). Only the
discordant pairs carry information: b = pass→fail, c = fail→pass, n = b + c. Under the
null hypothesis (no difference) each discordant pair is a fair coin, so
``min(b, c) ~ Binomial(n, 1/2)``::

    exact p (two-sided) = min(1, 2 * P(X <= min(b, c)))
                        = min(1, 2 * sum_{i=0}^{min(b,c)} C(n, i) / 2^n)
    mid-p               = min(1, 2 * P(X <= min(b, c)) - P(X = min(b, c)))

The exact test is conservative for small n; the mid-p version (Fagerland, Lydersen and
Laake 2013) halves the weight of the observed outcome and has close to nominal size.
With no discordant pairs both p-values are 1.
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # the 0.975 quantile of the standard normal distribution


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for k passes out of n; [0, 1] when n == 0."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval: need 0 <= k <= n, got k={k!r}, n={n!r}")
    if n == 0:
        return (0.0, 1.0)
    z2 = z * z
    centre = (k + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def _binomial_half(n: int, k: int) -> tuple[float, float]:
    """(P(X <= k), P(X = k)) for X ~ Binomial(n, 1/2), from exact integer counts."""
    total = 2**n
    return (sum(math.comb(n, i) for i in range(k + 1)) / total, math.comb(n, k) / total)


def _check_counts(b: int, c: int) -> None:
    if b < 0 or c < 0:
        raise ValueError(f"mcnemar: discordant counts must be >= 0, got b={b!r}, c={c!r}")


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b pass→fail and c fail→pass pairs."""
    _check_counts(b, c)
    if b + c == 0:
        return 1.0
    cumulative, _ = _binomial_half(b + c, min(b, c))
    return min(1.0, 2 * cumulative)


def mcnemar_midp(b: int, c: int) -> float:
    """Two-sided mid-p McNemar p-value: the exact p minus the point probability of the observed split."""
    _check_counts(b, c)
    if b + c == 0:
        return 1.0
    cumulative, point = _binomial_half(b + c, min(b, c))
    return min(1.0, 2 * cumulative - point)
