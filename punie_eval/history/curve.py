"""The checkpoint curve: strict and soft accuracy and format failures per iteration, beside the losses.

One self-contained HTML page (inline CSS and SVG). Left axis: accuracy (strict with its 95%
Wilson band, soft dashed) and the share of queries with a format failure; right axis: the
training and validation loss from the training log, when given. The best checkpoint is ringed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from punie_eval.history.checkpoints import CheckpointRun, best
from punie_eval.history.trend import path_d
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.stats import wilson_interval

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 330, 52, 60, 16, 40
STRICT, SOFT, FORMAT, TRAIN, VAL = "#0969da", "#0969da", "#bc4c00", "#6e7781", "#8250df"


def _loss_line(points: Sequence[tuple[float, float | None]], top: float, colour: str, dash: str) -> str:
    known = [(x, _y(loss / top)) for x, loss in points if loss is not None]
    if not known:
        return ""
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in known)
    return f'<path d="{path_d(known)}" stroke="{colour}" stroke-dasharray="{dash}" class="line"/>{dots}'


def _y(rate: float) -> float:
    return TOP + (1.0 - rate) * (HEIGHT - TOP - BOTTOM)


def _svg(runs: Sequence[CheckpointRun]) -> str:
    last = max(r.checkpoint.iteration for r in runs)

    def x(iteration: int) -> float:
        return LEFT + iteration / last * (WIDTH - LEFT - RIGHT)

    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{100 * tick:.0f}%</text>')
    for r in runs:
        parts.append(
            f'<text class="tick" x="{x(r.checkpoint.iteration):.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{r.checkpoint.iteration}</text>'
        )
    parts.append(f'<text class="tick" x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 4}" text-anchor="middle">'
                 "iteration</text>")  # fmt: skip
    bands = [wilson_interval(r.strict, r.n) for r in runs]
    upper = [(x(r.checkpoint.iteration), _y(hi)) for r, (_, hi) in zip(runs, bands, strict=True)]
    lower = [(x(r.checkpoint.iteration), _y(lo)) for r, (lo, _) in zip(runs, bands, strict=True)]
    outline = " ".join(f"{px:.1f},{py:.1f}" for px, py in [*upper, *reversed(lower)])
    parts.append(f'<polygon points="{outline}" fill="{STRICT}" opacity="0.13"/>')
    strict = [(x(r.checkpoint.iteration), _y(r.strict / r.n)) for r in runs]
    soft = [(x(r.checkpoint.iteration), _y(r.soft / r.n)) for r in runs]
    formats = [(x(r.checkpoint.iteration), _y(r.format_failures / r.n)) for r in runs]
    parts.append(f'<path d="{path_d(soft)}" stroke="{SOFT}" stroke-dasharray="5 4" class="line"/>')
    parts.append(f'<path d="{path_d(formats)}" stroke="{FORMAT}" class="line"/>')
    parts.append(f'<path d="{path_d(strict)}" stroke="{STRICT}" class="line strict"/>')
    for r, (px, py), (fx, fy) in zip(runs, strict, formats, strict=True):
        tip = f"iteration {r.checkpoint.iteration}: strict {Counts(r.strict, r.n)}, format failures {r.format_failures}"
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{STRICT}"><title>{escape(tip)}</title></circle>'
        )
        parts.append(f'<rect x="{fx - 3:.1f}" y="{fy - 3:.1f}" width="6" height="6" fill="{FORMAT}"/>')
    losses = [v for r in runs for v in (r.train_loss, r.val_loss) if v is not None]
    if losses:
        top = max(losses) * 1.1
        for tick in (0.0, 0.5, 1.0):
            parts.append(f'<text class="tick" x="{WIDTH - RIGHT + 6}" y="{_y(tick) + 4:.1f}">{top * tick:.2f}</text>')
        parts.append(f'<text class="tick" x="{WIDTH - 8}" y="{TOP - 4}" text-anchor="end">loss</text>')
        parts.append(_loss_line([(x(r.checkpoint.iteration), r.train_loss) for r in runs], top, TRAIN, "1 0"))
        parts.append(_loss_line([(x(r.checkpoint.iteration), r.val_loss) for r in runs], top, VAL, "2 3"))
    chosen = best(list(runs))
    bx, by = x(chosen.checkpoint.iteration), _y(chosen.strict / chosen.n)
    parts.append(f'<circle class="best" cx="{bx:.1f}" cy="{by:.1f}" r="8"/>')
    parts.append(f'<text class="best-label" x="{bx:.1f}" y="{by - 12:.1f}" text-anchor="middle">best</text>')
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="accuracy and loss per checkpoint">{"".join(parts)}</svg>'
    )


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(runs: Sequence[CheckpointRun]) -> str:
    chosen = best(list(runs))
    head = "".join(
        f"<th>{h}</th>"
        for h in ("iteration", "checkpoint", "run", "strict", "soft", "format failures", "train loss", "val loss")
    )
    rows = "".join(
        f'<tr class="{"best" if r is chosen else ""}"><td class="num">{r.checkpoint.iteration}</td>'
        f"<td>{escape(r.checkpoint.weights.name)}</td><td class='num'>{r.run_id or '-'}</td>"
        f"<td class='num'>{Counts(r.strict, r.n)}</td><td class='num'>{Counts(r.soft, r.n)}</td>"
        f"<td class='num'>{r.format_failures}</td><td class='num'>{_loss(r.train_loss)}</td>"
        f"<td class='num'>{_loss(r.val_loss)}</td></tr>"
        for r in runs
    )
    return f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px;margin:0 0 4px}.sub{color:#59636e;margin:0 0 12px}
.grid{stroke:#eef1f4}.tick{font-size:11px;fill:#59636e}.line{fill:none;stroke-width:1.6}.strict{stroke-width:2.4}
.best{fill:none;stroke:#1a7f37;stroke-width:2}.best-label{font-size:12px;font-weight:600;fill:#1a7f37}
.legend span{margin-right:16px}.sw{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}
table.runs{border-collapse:collapse;margin-top:16px}.runs th,.runs td{padding:3px 10px;border-bottom:1px solid #d1d9e0}
.runs th{text-align:left;background:#f6f8fa}.runs td{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.best td{background:#dafbe1;font-weight:600}
"""


def curve_html(runs: Sequence[CheckpointRun], *, title: str) -> str:
    """The page for the evaluated checkpoints (in iteration order)."""
    chosen = best(list(runs))
    legend = "".join(
        f'<span><i class="sw" style="background:{c}"></i>{label}</span>'
        for c, label in (
            (STRICT, "strict (band: 95% Wilson)"),
            (SOFT, "soft (dashed)"),
            (FORMAT, "queries with a format failure"),
            (TRAIN, "train loss"),
            (VAL, "val loss (dotted)"),
        )
    )
    sub = (
        f"{len(runs)} checkpoint(s); best: {chosen.checkpoint.weights.name} (iteration {chosen.checkpoint.iteration}), "
        f"strict {Counts(chosen.strict, chosen.n)}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="sub">{escape(sub)}</p><p class="legend">{legend}</p>{_svg(runs)}{_table(runs)}</body></html>\n'
    )


__all__ = ["curve_html"]
