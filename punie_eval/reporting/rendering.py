"""Render a :class:`~punie_eval.reporting.compare.Comparison` as terminal text, Markdown or an HTML page.

- ``to_text``: the terminal summary (CLI and the pytest plugin's ``--baseline``); verdict last.
- ``to_markdown``: a PR comment or ``$GITHUB_STEP_SUMMARY``; verdict first, flips folded in
  ``<details>`` with responses cut to a few hundred characters.
- ``to_html``: one self-contained page (inline CSS, an inline SVG bar chart, no scripts, no
  external assets) with full responses side by side.
"""

from __future__ import annotations

import re
from html import escape

from punie_eval.reporting.compare import Comparison, Flip, Verdict
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.text import pct

SHORT_RESPONSE = 600  # characters of each response shown in Markdown
LONG_RESPONSE = 8000  # characters of each response shown in HTML

_VERDICT_MARK = {Verdict.PROMOTE: "✅", Verdict.HOLD: "⏸️", Verdict.REJECT: "❌"}
_VERDICT_COLOUR = {Verdict.PROMOTE: "#1a7f37", Verdict.HOLD: "#9a6700", Verdict.REJECT: "#cf222e"}


def _delta(x: float) -> str:
    return f"{100 * x:+.1f} pp"


def _rate(r: Counts) -> str:
    return r.with_interval()


def _direction(flip: Flip) -> str:
    if flip.k > 1:
        return f"{flip.baseline_passes}/{flip.k} → {flip.candidate_passes}/{flip.k} repeats"
    return "pass→fail" if flip.regressed else "fail→pass"


def _joined(responses: tuple[str, ...]) -> str:
    if len(responses) <= 1:
        return responses[0] if responses else ""
    return "\n".join(f"--- turn {i} ---\n{text}" for i, text in enumerate(responses, 1))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more characters]"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mcnemar_line(c: Comparison) -> str:
    m = c.mcnemar
    if c.repeats > 1:
        return (
            f"sign test on the strict pass rates of {c.overall.n // c.repeats} paired queries ({c.repeats} repeats "
            f"each): {m.regressed} lower, {m.fixed} higher; exact p = {m.p_exact:.4g}, mid-p = {m.p_mid:.4g} "
            f"(alpha {c.alpha:g})"
        )
    return (
        f"McNemar on strict outcomes of {c.overall.n} paired queries: {m.regressed} pass→fail, "
        f"{m.fixed} fail→pass; exact p = {m.p_exact:.4g}, mid-p = {m.p_mid:.4g} (alpha {c.alpha:g})"
    )


def _headline(c: Comparison) -> str:
    return f"{c.verdict.value.upper()}: {c.candidate.model} vs baseline {c.baseline.model}"


def _notes(c: Comparison) -> list[str]:
    notes = []
    if c.mismatches:
        notes.append("FORCED despite: " + "; ".join(c.mismatches))
    if c.only_in_baseline:
        notes.append(f"only in baseline ({len(c.only_in_baseline)}): " + ", ".join(c.only_in_baseline))
    if c.only_in_candidate:
        notes.append(f"only in candidate ({len(c.only_in_candidate)}): " + ", ".join(c.only_in_candidate))
    return notes


def to_text(c: Comparison) -> str:
    """A fixed-width summary for a terminal: runs, table, McNemar, flips, notes, then the verdict."""
    w = max(16, *(len(g.name) + 2 for g in c.categories))
    lines = [
        f"baseline : {c.baseline.model} ({c.baseline.model_hash[:12]})",
        f"candidate: {c.candidate.model} ({c.candidate.model_hash[:12]})",
        f"suite    : {c.candidate.suite} ({c.candidate.fingerprint[:12]}), scorer {c.candidate.scorer_version}",
        "",
        f"{'category':<{w}}{'n':>4}  {'baseline strict':<22}{'candidate strict':<22}{'Δ strict':>10}"
        f"{'Δ soft':>10}  {'floor':>6}",
    ]
    for g in (*c.categories, c.overall):
        mark = "  BELOW" if g.below_threshold else ""
        lines.append(
            f"{g.name:<{w}}{g.n:>4}  {_rate(g.baseline_strict):<22}{_rate(g.candidate_strict):<22}"
            f"{_delta(g.strict_delta):>10}{_delta(g.soft_delta):>10}  {pct(g.threshold):>6}{mark}"
        )
    lines += ["", _mcnemar_line(c)]
    if c.flips:
        lines.append("flips:")
        for f in c.flips:
            why = f"now fails: {f.candidate_failure}" if f.regressed else f"was: {f.baseline_failure}"
            crit = " [critical]" if f.critical else ""
            lines.append(f"  {_direction(f)}  {f.id} ({f.category}){crit}: {why}")
    lines += _notes(c)
    lines += ["", f"verdict: {_headline(c)}"]
    lines += [f"  - {r}" for r in c.reasons]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def _md_flip(f: Flip) -> list[str]:
    crit = " — <b>critical</b>" if f.critical else ""
    mark = "🔻" if f.regressed else "🔺"
    summary = f"{mark} <code>{escape(f.id)}</code> ({escape(f.category)}) {_direction(f)}{crit}"
    out = ["<details>", f"<summary>{summary}</summary>", ""]
    for side, responses, failure, passed in (
        ("Baseline", f.baseline_responses, f.baseline_failure, f.regressed),
        ("Candidate", f.candidate_responses, f.candidate_failure, not f.regressed),
    ):
        status = "pass" if passed else f"fail: {failure or 'no reason recorded'}"
        out += [f"**{side}** ({_md_cell(status)}):", "", _fence(_cut(_joined(responses), SHORT_RESPONSE)), ""]
    out += ["</details>", ""]
    return out


def to_markdown(c: Comparison) -> str:
    """GitHub-flavoured Markdown: verdict line first, table, McNemar, flips in <details>."""
    lines = [f"## {_VERDICT_MARK[c.verdict]} {_md_cell(_headline(c))}", ""]
    lines += [f"- {_md_cell(r)}" for r in c.reasons]
    lines += [
        "",
        f"Baseline `{_md_cell(c.baseline.model)}` ({c.baseline.model_hash[:12]}) · candidate "
        f"`{_md_cell(c.candidate.model)}` ({c.candidate.model_hash[:12]}) · suite {_md_cell(c.candidate.suite)} "
        f"({c.candidate.fingerprint[:12]}) · scorer {_md_cell(c.candidate.scorer_version)}",
        "",
        "| category | n | baseline strict [95% CI] | candidate strict [95% CI] | Δ strict "
        "| baseline soft | candidate soft | Δ soft | floor / gate |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for g in (*c.categories, c.overall):
        name = f"**{g.name}**" if g is c.overall else g.name
        floor = pct(g.threshold) + (" ❌" if g.below_threshold else "")
        lines.append(
            f"| {name} | {g.n} | {_rate(g.baseline_strict)} | {_rate(g.candidate_strict)} | "
            f"{_delta(g.strict_delta)} | {pct(g.baseline_soft.rate)} | {pct(g.candidate_soft.rate)} | "
            f"{_delta(g.soft_delta)} | {floor} |"
        )
    lines += ["", _mcnemar_line(c), ""]
    if c.flips:
        lines += [f"### Flipped queries ({len(c.flips)})", ""]
        for f in c.flips:
            lines += _md_flip(f)
    else:
        lines += ["No query changed its strict outcome.", ""]
    lines += [f"> {_md_cell(n)}" for n in _notes(c)]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328}
body{margin:24px auto;max-width:1120px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{border-radius:8px;padding:14px 18px;color:#fff} .verdict ul{margin:6px 0 0;padding-left:20px}
.runs{color:#57606a;font-size:13px;margin-top:8px}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:right} td{white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f6f8fa} tr.overall td{font-weight:600;background:#f6f8fa} td.below{color:#cf222e;font-weight:600}
.pos{color:#1a7f37} .neg{color:#cf222e}
.flip{border:1px solid #d0d7de;border-radius:8px;margin:12px 0;overflow:hidden}
.flip h3{margin:0;padding:8px 12px;font-size:14px;background:#f6f8fa;border-bottom:1px solid #d0d7de}
.flip.regressed h3{background:#ffebe9} .flip.fixed h3{background:#dafbe1}
.badge{background:#cf222e;color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;margin-left:6px}
.sides{display:grid;grid-template-columns:1fr 1fr} .side{padding:8px 12px;min-width:0}
.side+.side{border-left:1px solid #d0d7de} .side h4{margin:0 0 6px;font-size:13px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:8px;border-radius:6px;font-size:12px;margin:0;max-height:420px;overflow:auto}
.notes{color:#57606a;font-size:13px} svg{width:100%;height:auto;margin-bottom:12px}
"""

_BASE_FILL, _CAND_FILL = "#8c959f", "#0969da"


def _svg_chart(c: Comparison) -> str:
    """Grouped bars of strict accuracy (baseline, candidate) per category and overall, Wilson whiskers, floors."""
    groups = (*c.categories, c.overall)
    left, top, plot_h = 48, 40, 260
    slot = max(124.0, (1000 - left - 16) / len(groups))  # at least 1000 wide so the legend fits
    width = left + slot * len(groups) + 16
    height = top + plot_h + 56
    bar_w = 34

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="strict accuracy per category, baseline vs candidate" font-family="system-ui,sans-serif">'
    ]
    for tick in range(0, 101, 20):
        ty = y(tick / 100)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 16:.1f}" y2="{ty:.1f}" stroke="#eaeef2"/>')
        parts.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">{tick}%</text>'
        )
    legend = ((_BASE_FILL, f"baseline {c.baseline.model}"), (_CAND_FILL, f"candidate {c.candidate.model}"))
    for i, (fill, label) in enumerate(legend):
        lx = left + i * 290
        parts.append(f'<rect x="{lx}" y="10" width="12" height="12" fill="{fill}"/>')
        parts.append(f'<text x="{lx + 18}" y="20" font-size="12">{escape(_short(label, 36))}</text>')
    parts.append(
        f'<line x1="{left + 580}" y1="16" x2="{left + 604}" y2="16" stroke="#cf222e" stroke-width="2" '
        f'stroke-dasharray="4 2"/><text x="{left + 610}" y="20" font-size="12">floor (overall: gate)</text>'
    )
    parts.append(
        f'<path d="M{left + 766} 10v12M{left + 761} 10h10M{left + 761} 22h10" stroke="#1f2328" stroke-width="1.5"/>'
        f'<text x="{left + 778}" y="20" font-size="12">Wilson 95% interval</text>'
    )
    for i, g in enumerate(groups):
        x0 = left + slot * i + (slot - 2 * bar_w - 6) / 2
        if g is c.overall:
            sep = left + slot * i
            parts.append(f'<line x1="{sep:.1f}" y1="{top}" x2="{sep:.1f}" y2="{top + plot_h}" stroke="#afb8c1"/>')
        for j, (side, rate, fill) in enumerate(
            (("baseline", g.baseline_strict, _BASE_FILL), ("candidate", g.candidate_strict, _CAND_FILL))
        ):
            bx = x0 + j * (bar_w + 6)
            low, high = rate.interval
            tip = f"{g.name} {side}: {rate.passed}/{rate.n} = {pct(rate.rate)} (95% CI {pct(low)} to {pct(high)})"
            parts.append(
                f'<rect class="bar {side}" data-category="{escape(g.name)}" x="{bx:.1f}" y="{y(rate.rate):.1f}" '
                f'width="{bar_w}" height="{plot_h * rate.rate:.1f}" fill="{fill}"><title>{escape(tip)}</title></rect>'
            )
            cx = bx + bar_w / 2
            parts.append(
                f'<path class="whisker" d="M{cx:.1f} {y(low):.1f}V{y(high):.1f}M{cx - 6:.1f} {y(low):.1f}h12'
                f'M{cx - 6:.1f} {y(high):.1f}h12" stroke="#1f2328" stroke-width="1.5" fill="none"/>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" '
                f'fill="#57606a">{100 * rate.rate:.0f}%</text>'
            )
        if g.threshold > 0:
            fy = y(g.threshold)
            parts.append(
                f'<line class="floor" x1="{x0 - 6:.1f}" y1="{fy:.1f}" x2="{x0 + 2 * bar_w + 12:.1f}" y2="{fy:.1f}" '
                f'stroke="#cf222e" stroke-width="2" stroke-dasharray="4 2"/>'
            )
        label = _short(g.name, 18)
        weight = ' font-weight="600"' if g is c.overall or g.below_threshold else ""
        colour = "#cf222e" if g.below_threshold else "#1f2328"
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 34}" font-size="12" text-anchor="middle" '
            f'fill="{colour}"{weight}>{escape(label)}<title>{escape(g.name)}</title></text>'
        )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 49}" font-size="11" text-anchor="middle" '
            f'fill="#57606a">n={g.n}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 16:.1f}" y2="{top + plot_h}" stroke="#57606a"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _signed(x: float) -> str:
    cls = "pos" if x > 0 else "neg" if x < 0 else ""
    return f'<td class="{cls}">{escape(_delta(x))}</td>'


def _html_table(c: Comparison) -> str:
    rows = [
        "<table><thead><tr><th>category</th><th>n</th><th>baseline strict [95% CI]</th>"
        "<th>candidate strict [95% CI]</th><th>Δ strict</th><th>baseline soft</th><th>candidate soft</th>"
        "<th>Δ soft</th><th>floor / gate</th></tr></thead><tbody>"
    ]
    for g in (*c.categories, c.overall):
        row_cls = ' class="overall"' if g is c.overall else ""
        floor_cls = ' class="below"' if g.below_threshold else ""
        rows.append(
            f"<tr{row_cls}><td>{escape(g.name)}</td><td>{g.n}</td><td>{escape(_rate(g.baseline_strict))}</td>"
            f"<td>{escape(_rate(g.candidate_strict))}</td>{_signed(g.strict_delta)}"
            f"<td>{pct(g.baseline_soft.rate)}</td><td>{pct(g.candidate_soft.rate)}</td>{_signed(g.soft_delta)}"
            f"<td{floor_cls}>{pct(g.threshold)}{' below' if g.below_threshold else ''}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _html_flip(f: Flip) -> str:
    badge = '<span class="badge">critical</span>' if f.critical else ""
    sides = []
    for side, responses, failure, passed in (
        ("baseline", f.baseline_responses, f.baseline_failure, f.regressed),
        ("candidate", f.candidate_responses, f.candidate_failure, not f.regressed),
    ):
        status = "pass" if passed else f"fail: {failure or 'no reason recorded'}"
        text = _cut(_joined(responses), LONG_RESPONSE) or "(empty response)"
        sides.append(f'<div class="side"><h4>{side} — {escape(status)}</h4><pre>{escape(text)}</pre></div>')
    kind = "regressed" if f.regressed else "fixed"
    return (
        f'<section class="flip {kind}"><h3>{escape(_direction(f))} · <code>{escape(f.id)}</code> '
        f'({escape(f.category)}){badge}</h3><div class="sides">{"".join(sides)}</div></section>'
    )


def to_html(c: Comparison) -> str:
    """A self-contained HTML page: verdict, chart, table, McNemar line, flips side by side."""
    reasons = "".join(f"<li>{escape(r)}</li>" for r in c.reasons)
    runs = (
        f"baseline <b>{escape(c.baseline.model)}</b> ({escape(c.baseline.model_hash[:12])}) · candidate "
        f"<b>{escape(c.candidate.model)}</b> ({escape(c.candidate.model_hash[:12])}) · suite "
        f"{escape(c.candidate.suite)} ({escape(c.candidate.fingerprint[:12])}) · scorer "
        f"{escape(c.candidate.scorer_version)}"
    )
    flips = "\n".join(_html_flip(f) for f in c.flips) or "<p>No query changed its strict outcome.</p>"
    notes = "".join(f"<p>{escape(n)}</p>" for n in _notes(c))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>punie-eval: {escape(_headline(c))}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="verdict" style="background:{_VERDICT_COLOUR[c.verdict]}">
<h1>{escape(_headline(c))}</h1>
<ul>{reasons}</ul>
</div>
<p class="runs">{runs}</p>
<h2>Strict accuracy per category</h2>
{_svg_chart(c)}
{_html_table(c)}
<p>{escape(_mcnemar_line(c))}</p>
<div class="notes">{notes}</div>
<h2>Flipped queries ({len(c.flips)})</h2>
{flips}
</body>
</html>
"""
