"""The history's trend page: strict and soft accuracy per category over runs, with Wilson bands.

One self-contained HTML file (inline CSS, inline SVG, a few lines of inline script to show or
hide a model; no external assets). Runs are placed left to right in the order they started;
each model is one colour: a solid strict line inside its shaded 95% Wilson band, a dashed soft
line, and the category floor (or the gate for ``overall``) as a dotted grey line. Every point
has a tooltip naming the run. A table of the runs follows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from punie_eval.history.store import RunSummary
from punie_eval.queries import CATEGORIES
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.stats import wilson_interval
from punie_eval.reporting.text import pct

PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#116329", "#a40e26", "#6e7781")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 520, 210, 44, 12, 14, 34

Counts3 = tuple[int, int, int]  # n, soft, strict


@dataclass(frozen=True)
class Point:
    run: RunSummary
    x: float
    n: int
    soft: int
    strict: int


def series_of(run: RunSummary) -> str:
    """A run's line on the page: its model, or one line for all checkpoints of one LoRA run."""
    if run.checkpoint_of is None:
        return run.model_name
    return re.sub(r"-\d+$", "", run.model_name) + " checkpoints"


def _y(rate: float) -> float:
    return TOP + (1.0 - rate) * (HEIGHT - TOP - BOTTOM)


def _x(index: int, total: int) -> float:
    return LEFT + (index + 0.5) * (WIDTH - LEFT - RIGHT) / max(total, 1)


def path_d(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _series(model: str, colour: str, points: Sequence[Point]) -> str:
    bands = [wilson_interval(p.strict, p.n) for p in points]
    upper = [(p.x, _y(high)) for p, (_, high) in zip(points, bands, strict=True)]
    lower = [(p.x, _y(low)) for p, (low, _) in zip(points, bands, strict=True)]
    parts = [f'<g class="series" data-model="{escape(model)}">']
    if len(points) > 1:
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*upper, *reversed(lower)])
        parts.append(f'<polygon class="band" points="{outline}" fill="{colour}"/>')
    for (x, top), (_, bottom) in zip(upper, lower, strict=True):
        parts.append(
            f'<line class="bar" x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{colour}"/>'
        )
    strict = [(p.x, _y(p.strict / p.n)) for p in points]
    soft = [(p.x, _y(p.soft / p.n)) for p in points]
    parts.append(f'<path class="soft" d="{path_d(soft)}" stroke="{colour}"/>')
    parts.append(f'<path class="strict" d="{path_d(strict)}" stroke="{colour}"/>')
    for x, y in soft:  # hollow: a one-run series has no line to show its soft rate
        parts.append(f'<circle class="soft-point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" stroke="{colour}"/>')
    for p, (x, y), (low, high) in zip(points, strict, bands, strict=True):
        tip = (
            f"run {p.run.id} · {p.run.model_name} · {p.run.started_at}\n"
            f"strict {p.strict}/{p.n} {pct(p.strict / p.n)} [{100 * low:.0f}-{100 * high:.0f}]\n"
            f"soft {p.soft}/{p.n} {pct(p.soft / p.n)}"
        )
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(tip)}</title></circle>')
    parts.append("</g>")
    return "".join(parts)


def _axes(runs: Sequence[RunSummary], threshold: float | None) -> str:
    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{100 * tick:.0f}%</text>')
    step = max(1, len(runs) // 12)  # at most about a dozen run labels
    for i, run in enumerate(runs):
        if i % step == 0 or i == len(runs) - 1:
            x = _x(i, len(runs))
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{run.id}</text>'
            )
    if threshold is not None:
        y = _y(threshold)
        parts.append(f'<line class="floor" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append(f'<text class="tick" x="{WIDTH / 2:.0f}" y="{HEIGHT - 3}" text-anchor="middle">run</text>')
    return "".join(parts)


def _panel(
    name: str,
    runs: Sequence[RunSummary],
    counts: Mapping[int, Mapping[str, Counts3]],
    colours: Mapping[str, str],
    threshold: float | None,
) -> str:
    by_model: dict[str, list[Point]] = {}
    for i, run in enumerate(runs):
        got = counts[run.id].get(name)
        if got and got[0]:
            by_model.setdefault(series_of(run), []).append(Point(run, _x(i, len(runs)), *got))
    series = "".join(_series(model, colours[model], points) for model, points in by_model.items())
    label = "overall" if name == "overall" else name.replace("_", " ")
    return (
        f'<figure class="panel" data-category="{escape(name)}"><figcaption>{escape(label)}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(label)}: strict and soft accuracy per run">'
        f"{_axes(runs, threshold)}{series}</svg></figure>"
    )


def _cell(text: object, cls: str = "") -> str:
    return f'<td class="{cls}">{escape(str(text))}</td>' if cls else f"<td>{escape(str(text))}</td>"


def _table(runs: Sequence[RunSummary], colours: Mapping[str, str]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("run", "started (UTC)", "model", "hash", "adapter", "suite", "strict", "soft", "gate", "project")
    )
    rows = []
    for r in reversed(runs):  # newest first
        gate = "—" if r.gate_passed is None else ("passed" if r.gate_passed else "failed")
        swatch = f'<span class="swatch" style="background:{colours[series_of(r)]}"></span>'
        rows.append(
            f'<tr data-model="{escape(series_of(r))}">{_cell(r.id, "num")}{_cell(r.started_at.replace("T", " "))}'
            f"<td>{swatch}{escape(r.model_name)}</td>{_cell((r.model_hash or '—')[:12], 'mono')}"
            f'<td title="{escape(r.adapter or "")}">{escape(Path(r.adapter).name if r.adapter else "—")}</td>'
            f"{_cell(r.suite_name)}"
            f"{_cell(Counts(r.strict, r.n), 'num')}{_cell(Counts(r.soft, r.n), 'num')}"
            f"{_cell(gate, f'gate-{gate}')}{_cell((r.project_commit or '—')[:10], 'mono')}</tr>"
        )
    return f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _legend(colours: Mapping[str, str]) -> str:
    items = "".join(
        f'<label><input type="checkbox" checked data-model="{escape(m)}">'
        f'<span class="swatch" style="background:{c}"></span>{escape(m)}</label>'
        for m, c in colours.items()
    )
    key = (
        '<span class="key"><svg width="28" height="8"><line x1="0" x2="28" y1="4" y2="4" class="strict-key"/></svg>'
        ' strict (band: 95% Wilson)  <svg width="28" height="8"><line x1="0" x2="28" y1="4" y2="4" class="soft-key"/>'
        '</svg> soft  <svg width="28" height="8"><line x1="0" x2="28" y1="4" y2="4" class="floor"/></svg> floor</span>'
    )
    return f'<div class="legend">{items}{key}</div>'


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}.sub{color:#59636e;margin:0 0 16px}
.panels{display:flex;flex-wrap:wrap;gap:12px}.panel{margin:0;border:1px solid #d1d9e0;border-radius:6px;padding:6px}
figcaption{font-weight:600;padding:0 0 2px 6px}
.grid{stroke:#eef1f4}.tick{font-size:11px;fill:#59636e}.floor{stroke:#8c959f;stroke-dasharray:2 3}
.band{opacity:.13}.bar{stroke-width:1;opacity:.45}.strict{fill:none;stroke-width:2}
.soft{fill:none;stroke-width:1.5;stroke-dasharray:5 4;opacity:.8}.soft-point{fill:#fff;stroke-width:1.2}
.strict-key{stroke:#1f2328;stroke-width:2}.soft-key{stroke:#1f2328;stroke-width:1.5;stroke-dasharray:5 4}
.legend{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:0 0 12px}
.legend label{cursor:pointer}.key{color:#59636e}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 5px 0 3px}
table.runs{border-collapse:collapse;margin-top:20px}.runs th,.runs td{padding:3px 10px;border-bottom:1px solid #d1d9e0}
.runs th{text-align:left;background:#f6f8fa}.runs td{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,monospace;font-size:12px}.gate-passed{color:#1a7f37}.gate-failed{color:#cf222e}
.hidden{display:none}
"""

_SCRIPT = """
document.querySelectorAll('.legend input').forEach(function (box) {
  box.addEventListener('change', function () {
    document.querySelectorAll('[data-model]').forEach(function (el) {
      if (el.dataset.model === box.dataset.model && el !== box) { el.classList.toggle('hidden', !box.checked); }
    });
  });
});
"""


def trend_html(
    runs: Sequence[RunSummary],
    counts: Mapping[int, Mapping[str, Counts3]],
    *,
    title: str,
    floors: Mapping[str, float] | None = None,
    min_strict: float = 0.80,
) -> str:
    """The page for ``runs`` (oldest first) and their per-category ``counts`` (from ``category_counts``)."""
    colours: dict[str, str] = {}
    for run in runs:
        colours.setdefault(series_of(run), PALETTE[len(colours) % len(PALETTE)])
    present = {name for run in runs for name in counts[run.id]} - {"overall"}
    categories = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    floors = floors or {}
    panels = "".join(
        _panel(name, runs, counts, colours, min_strict if name == "overall" else floors.get(name))
        for name in ["overall", *categories]
    )
    models = len(colours)
    sub = f"{len(runs)} run(s), {models} series" + (f", {runs[0].started_at} to {runs[-1].started_at}" if runs else "")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="sub">{escape(sub)}</p>{_legend(colours)}'
        f'<div class="panels">{panels}</div>{_table(runs, colours)}<script>{_SCRIPT}</script></body></html>\n'
    )


__all__ = ["PALETTE", "path_d", "trend_html"]
