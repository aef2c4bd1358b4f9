"""Small text helpers every report shares: percentages and ``label count`` lists."""

from __future__ import annotations

from collections.abc import Mapping


def pct(value: float | None, digits: int = 1) -> str:
    """``84.2%`` (``-`` for a missing value)."""
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def counts_text(counts: Mapping[str, int]) -> str:
    """``arguments 4, identity 2`` (``none`` when empty)."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


__all__ = ["counts_text", "pct"]
