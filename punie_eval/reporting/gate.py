"""The absolute gate: overall strict accuracy and a floor per category.

A run passes when strict accuracy over ALL scored queries is at least ``min_strict`` and
every category that has queries in the run is at or above its floor. Pure: the plugin
feeds it the per-category counts and turns the verdict into the session's exit status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from punie_eval.reporting.stats import wilson_interval


@dataclass(frozen=True)
class Counts:
    passed: int
    n: int

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson 95% interval of the rate."""
        return wilson_interval(self.passed, self.n)

    def below(self, threshold: float) -> bool:
        """Whether the rate is under ``threshold`` (exact for k/n against decimal thresholds)."""
        return self.passed < threshold * self.n - 1e-9

    def __str__(self) -> str:
        return f"{self.passed}/{self.n} ({100 * self.rate:.1f}%)"

    def with_interval(self) -> str:
        """``23/25 92.0% [75-98]``: the rate and its Wilson 95% interval."""
        low, high = self.interval
        return f"{self.passed}/{self.n} {100 * self.rate:.1f}% [{100 * low:.0f}-{100 * high:.0f}]"


@dataclass(frozen=True)
class GateResult:
    passed: bool
    min_strict: float
    overall: Counts
    floors: Mapping[str, float]  # the floor applied to each category present in the run
    reasons: tuple[str, ...]  # why it failed; empty on a pass

    def describe(self) -> str:
        """One line: the verdict and its reasons."""
        if self.passed:
            return f"PASSED: strict {self.overall} >= {100 * self.min_strict:.1f}% and every category meets its floor"
        return "FAILED: " + "; ".join(self.reasons)


def evaluate_gate(strict: Mapping[str, Counts], *, min_strict: float, floors: Mapping[str, float]) -> GateResult:
    """Gate the strict counts per category (``floors`` has one entry per category; a missing one is 0)."""
    overall = Counts(sum(c.passed for c in strict.values()), sum(c.n for c in strict.values()))
    reasons: list[str] = []
    if overall.n == 0:
        reasons.append("no query was scored")
    elif overall.below(min_strict):
        reasons.append(f"strict {overall} is below --min-strict {100 * min_strict:.1f}%")
    applied: dict[str, float] = {}
    for name, counts in strict.items():
        if counts.n == 0:
            continue
        floor = applied[name] = floors.get(name, 0.0)
        if counts.below(floor):
            reasons.append(f"{name} strict {counts} is below its floor {100 * floor:.1f}%")
    return GateResult(
        passed=not reasons, min_strict=min_strict, overall=overall, floors=applied, reasons=tuple(reasons)
    )
