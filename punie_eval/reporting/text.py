"""Small text helpers every report shares: percentages and ``label count`` lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def pct(value: float | None, digits: int = 1) -> str:
    """``84.2%`` (``-`` for a missing value)."""
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def counts_text(counts: Mapping[str, int]) -> str:
    """``arguments 4, identity 2`` (``none`` when empty)."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Columns padded to their widest cell (those in ``right`` right-aligned), two spaces apart."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        return "  ".join(cells).rstrip()

    return [line(header), *(line(r) for r in rows)]


__all__ = ["counts_text", "pct", "table_lines"]
