"""The study's chart: grouped SVG bars of strict accuracy per category and corpus (one suite)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from punie_eval.reporting.text import pct
from punie_eval.study.analysis import ARMS, SHORT, CategorySpread

FILLS = {"mixed": "#cf222e", "preambles_removed": "#bf8700", "clean": "#1a7f37"}


def svg_chart(sp: Mapping[str, list[CategorySpread]]) -> str:
    """Grouped bars: mean strict accuracy per category and arm, min-max over seeds as whiskers."""
    arms = [a.name for a in ARMS if a.name in sp]
    rows = sp[arms[0]]
    left, top, plot_h, bar_w, gap = 48, 52, 240, 26, 4
    slot = max(120.0, len(arms) * (bar_w + gap) + 30)
    width = left + slot * len(rows) + 16
    height = top + plot_h + 56

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height}" width="{width:.0f}" '
        f'height="{height}" role="img" '
        f'aria-label="strict accuracy per category and corpus, mean and min-max over seeds" '
        f'font-family="system-ui,sans-serif">',
        f'<rect width="{width:.0f}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in range(0, 101, 20):
        ty = y(tick / 100)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 16:.1f}" y2="{ty:.1f}" stroke="#eaeef2"/>')
        parts.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">{tick}%</text>'
        )
    for i, arm in enumerate(arms):
        lx = left + i * 230
        parts.append(f'<rect x="{lx}" y="10" width="12" height="12" fill="{FILLS[arm]}"/>')
        parts.append(f'<text x="{lx + 18}" y="20" font-size="12">{escape(SHORT[arm])}</text>')
    parts.append(
        f'<text x="{left}" y="37" font-size="11" fill="#57606a">bar: mean strict; whisker: min-max over seeds</text>'
    )
    for i, row in enumerate(rows):
        x0 = left + slot * i + (slot - len(arms) * (bar_w + gap) + gap) / 2
        if row.name == "overall":
            sep = left + slot * i
            parts.append(f'<line x1="{sep:.1f}" y1="{top}" x2="{sep:.1f}" y2="{top + plot_h}" stroke="#afb8c1"/>')
        for j, arm in enumerate(arms):
            s = sp[arm][i].strict
            bx = x0 + j * (bar_w + gap)
            cx = bx + bar_w / 2
            tip = f"{row.name} {SHORT[arm]}: mean {pct(s.mean, 0)}, min {pct(s.low, 0)}, max {pct(s.high, 0)}"
            parts.append(
                f'<rect x="{bx:.1f}" y="{y(s.mean):.1f}" width="{bar_w}" height="{plot_h * s.mean:.1f}" '
                f'fill="{FILLS[arm]}"><title>{escape(tip)}</title></rect>'
            )
            parts.append(
                f'<path d="M{cx:.1f} {y(s.low):.1f}V{y(s.high):.1f}M{cx - 5:.1f} {y(s.low):.1f}h10'
                f'M{cx - 5:.1f} {y(s.high):.1f}h10" stroke="#1f2328" stroke-width="1.5" fill="none"/>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 13}" font-size="9" text-anchor="middle" '
                f'fill="#57606a">{100 * s.mean:.0f}</text>'
            )
        weight = ' font-weight="600"' if row.name == "overall" else ""
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 32}" font-size="12" '
            f'text-anchor="middle"{weight}>{escape(row.name)}</text>'
        )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 47}" font-size="11" '
            f'text-anchor="middle" fill="#57606a">n={row.n}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 16:.1f}" y2="{top + plot_h}" stroke="#57606a"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
