"""How often a model gets each query right when it samples: pass rate, pass@k and pass^k.

With n repeats of a query of which c passed strict, for 1 <= k <= n:

    pass@k = 1 - C(n - c, k) / C(n, k)   the chance that at least one of k draws passes
    pass^k = C(c, k) / C(n, k)           the chance that all k draws pass (tau-bench)

both unbiased estimates from the n draws (Chen et al. 2021 for pass@k; Yao et al. 2024,
tau-bench, for pass^k), averaged over the queries of a category. pass@1 = pass^1 = c / n.
A deployed model answers once, and users ask again when it is wrong: pass^k says how
reliably it is right, pass@k how often it can be right at all. At k = n each query either
counts or not (right at least once; right every time), so those two get Wilson intervals over
queries; the pass rate gets one over every outcome (queries x n, which treats repeats of a
query as independent and so is narrower than the truth when queries differ in difficulty).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from punie_eval.reporting.gate import Counts

if TYPE_CHECKING:
    from punie_eval.evaluation.result import QueryRecord


def pass_at_k(n: int, c: int, k: int) -> float:
    """The chance that at least one of k of the n draws passes, c of them having passed."""
    _check(n, c, k)
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """The chance that all k of k draws pass (tau-bench's pass^k), c of the n having passed."""
    _check(n, c, k)
    return math.comb(c, k) / math.comb(n, k)


def _check(n: int, c: int, k: int) -> None:
    if not (0 <= c <= n and 1 <= k <= n):
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")


@dataclass(frozen=True)
class RepeatStats:
    """A category's (or the run's) repeated outcomes."""

    name: str
    k: int  # repeats per query
    pass_rate: Counts  # strict outcomes over queries x k
    every_time: Counts  # queries right in all k repeats (pass^k at k = n)
    at_least_once: Counts  # queries right in at least one (pass@k at k = n)
    pass_at: Mapping[int, float]  # k -> mean pass@k
    pass_hat: Mapping[int, float]  # k -> mean pass^k

    def as_dict(self) -> dict[str, Any]:
        def counts(c: Counts) -> dict[str, Any]:
            low, high = c.interval
            return {"passed": c.passed, "n": c.n, "rate": round(c.rate, 4), "wilson95": [round(low, 4), round(high, 4)]}

        return {
            "k": self.k,
            "pass_rate": counts(self.pass_rate),
            "pass_hat_k": counts(self.every_time),
            "pass_at_k": counts(self.at_least_once),
            "pass_at": {str(k): round(v, 4) for k, v in self.pass_at.items()},
            "pass_hat": {str(k): round(v, 4) for k, v in self.pass_hat.items()},
        }


def repeat_stats(name: str, records: Sequence[QueryRecord]) -> RepeatStats:
    """Pass rate, pass@k and pass^k over ``records`` (each with the same number of repeats)."""
    sizes = {len(r.outcomes) for r in records}
    if len(sizes) > 1:
        raise ValueError(f"{name}: every query must have the same number of repeats, got {sorted(sizes)}")
    n = sizes.pop() if sizes else 1
    passes = [r.strict_passes for r in records]
    q = len(records)

    def mean(f: Any, k: int) -> float:
        return sum(f(n, c, k) for c in passes) / q if q else 0.0

    return RepeatStats(
        name=name,
        k=n,
        pass_rate=Counts(sum(passes), q * n),
        every_time=Counts(sum(c == n for c in passes), q),
        at_least_once=Counts(sum(c > 0 for c in passes), q),
        pass_at={k: mean(pass_at_k, k) for k in range(1, n + 1)},
        pass_hat={k: mean(pass_hat_k, k) for k in range(1, n + 1)},
    )


def repeat_lines(by_category: Iterable[RepeatStats], overall: RepeatStats) -> list[str]:
    """The repeats table: pass rate, pass^k and pass@k per category, with Wilson 95% intervals."""
    rows = [*by_category, overall]
    k = overall.k
    width = max(len("category"), *(len(r.name) for r in rows))
    head = f"{'category':<{width}}  {'pass rate':<24}{f'pass^{k} (every time)':<24}{f'pass@{k} (at least once)'}"
    lines = [f"repeats: {k} samples per query; intervals are Wilson 95%", head]
    for r in rows:
        cells = (r.pass_rate.with_interval(), r.every_time.with_interval(), r.at_least_once.with_interval())
        lines.append(f"{r.name:<{width}}  {cells[0]:<24}{cells[1]:<24}{cells[2]}")
    curve = ", ".join(f"pass^{i} {100 * v:.1f}%" for i, v in overall.pass_hat.items())
    lines.append(f"overall pass^k by k: {curve}")
    return lines


__all__ = ["RepeatStats", "pass_at_k", "pass_hat_k", "repeat_lines", "repeat_stats"]
