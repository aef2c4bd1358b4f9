"""Render the study: per-suite Markdown tables, the main suite's SVG chart, an HTML page, study.json.

Everything here is computed from the runs' results documents (one per suite), manifests and
the corpus audits; ``write_report`` writes the output folder atomically (a sibling temporary
folder, then a rename).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from punie_eval.atomic import replace_dir
from punie_eval.reporting.compare import compare
from punie_eval.reporting.text import pct
from punie_eval.scoring.diagnosis import PRECEDENCE
from punie_eval.study.analysis import (
    ARMS,
    COMPARISONS,
    GATE_FAILED,
    SHORT,
    CategorySpread,
    Paired,
    category_spread,
    diagnosis_counts,
    pooled,
    turn1_labels,
)
from punie_eval.study.chart import svg_chart
from punie_eval.study.run import SUITES, Run, recipe

TITLES = {"main": "Main suite", "heldout": "Held-out suite (scored, never tuned on)"}


def _spread(s: Any) -> str:
    if s.low == s.high:
        return pct(s.mean, 0)
    return f"{pct(s.mean, 0)} ({pct(s.low, 0)}-{pct(s.high, 0)})"


def by_arm(runs: Sequence[Run], suite: str = "main") -> dict[str, dict[int, dict[str, Any]]]:
    """``{arm: {seed: results document}}`` of one suite (runs without that suite's results left out)."""
    out: dict[str, dict[int, dict[str, Any]]] = {a.name: {} for a in ARMS}
    for run in runs:
        if suite in run.documents:
            out[run.arm][run.seed] = run.documents[suite]
    return out


def spreads(runs: Sequence[Run], suite: str = "main") -> dict[str, list[CategorySpread]]:
    return {arm: category_spread([d[s] for s in sorted(d)]) for arm, d in by_arm(runs, suite).items() if d}


def accuracy_table(sp: Mapping[str, list[CategorySpread]], key: str) -> list[str]:
    arms = [a.name for a in ARMS if a.name in sp]
    lines = ["| category | n | " + " | ".join(SHORT[a] for a in arms) + " |", "|---|---|" + "---|" * len(arms)]
    for i, row in enumerate(sp[arms[0]]):
        cells = [_spread(getattr(sp[a][i], key)) for a in arms]
        name = f"**{row.name}**" if row.name == "overall" else row.name
        lines.append(f"| {name} | {row.n} | " + " | ".join(cells) + " |")
    return lines


def diagnoses(runs: Sequence[Run], suite: str) -> dict[str, dict[str, Any]]:
    return {arm: diagnosis_counts(d[s] for s in sorted(d)) for arm, d in by_arm(runs, suite).items() if d}


def diagnosis_table(runs: Sequence[Run], suite: str = "main") -> list[str]:
    per_arm = diagnoses(runs, suite)
    labels = ["ok", *PRECEDENCE, GATE_FAILED]
    used = [lb for lb in labels if any(c[lb] for counts in per_arm.values() for c in counts.values())]
    lines = ["| corpus | family | turns | " + " | ".join(used) + " |", "|---|---|---|" + "---|" * len(used)]
    for arm, counts in per_arm.items():
        for family, counter in counts.items():
            turns = sum(v for k, v in counter.items() if k != GATE_FAILED)
            lines.append(f"| {SHORT[arm]} | {family} | {turns} | " + " | ".join(str(counter[lb]) for lb in used) + " |")
    return lines


def _paired_row(name: str, p: Paired) -> str:
    return f"| {name} | {p.n} | {p.both_pass} | {p.both_fail} | {p.b} | {p.c} | {p.p_exact:.3g} | {p.p_midp:.3g} |"


def comparison_section(runs: Sequence[Run], suite: str = "main") -> tuple[list[str], dict[str, Any]]:
    arms = by_arm(runs, suite)
    lines: list[str] = []
    data: dict[str, Any] = {}
    for base, cand in COMPARISONS:
        if not arms[base] or not arms[cand]:
            continue
        per_seed, total = pooled(arms[base], arms[cand])
        lines += [
            f"#### {SHORT[cand]} vs {SHORT[base]}",
            "",
            "| seed | pairs | both pass | both fail | b pass→fail | c fail→pass | McNemar exact p | mid-p |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [_paired_row(str(s), p) for s, p in per_seed.items()]
        lines.append(_paired_row("**pooled**", total))
        verdicts: dict[int, tuple[str, list[str]]] = {}
        for s in per_seed:
            c = compare(arms[base][s], arms[cand][s])
            verdicts[s] = (c.verdict.value, list(c.reasons))
        lines += [
            "",
            "Promotion gate (`compare`, candidate = " + SHORT[cand] + ", baseline = " + SHORT[base] + "):",
            "",
        ]
        for s, v in verdicts.items():
            lines.append(f"- seed {s}: **{v[0].upper()}**: " + "; ".join(v[1]))
        lines.append("")
        data[f"{cand}_vs_{base}"] = {
            "per_seed": {str(s): {**p.__dict__, "p_exact": p.p_exact, "p_midp": p.p_midp} for s, p in per_seed.items()},
            "pooled": {**total.__dict__, "p_exact": total.p_exact, "p_midp": total.p_midp},
            "verdicts": {str(s): {"verdict": v[0], "reasons": v[1]} for s, v in verdicts.items()},
        }
    return lines, data


def audit_table(audits: Mapping[str, Mapping[str, Any]]) -> list[str]:
    arms = [a.name for a in ARMS if a.name in audits]
    tools = sorted({t for a in arms for t in audits[a]["tools"]})
    lines = [
        "| tool | " + " | ".join(f"{SHORT[a]}: preamble / calls" for a in arms) + " | announce-then-stop (a/b/c) |",
        "|---|" + "---|" * (len(arms) + 1),
    ]
    for tool in tools:
        cells = []
        ann = []
        for a in arms:
            row = audits[a]["tools"].get(tool)
            cells.append(f"{row['with_preamble']} / {row['calls']}" if row else "-")
            ann.append(str(row["announce_then_stop"]) if row else "-")
        lines.append(f"| {tool} | " + " | ".join(cells) + " | " + " / ".join(ann) + " |")
    lines += [
        "",
        "| corpus | examples (train+valid) | examples with a preamble | contract violations |",
        "|---|---|---|---|",
    ]
    for a in arms:
        au = audits[a]
        broken = ", ".join(f"{k} {v}" for k, v in au["contracts"].items() if v) or "none"
        lines.append(f"| {SHORT[a]} | {sum(au['files'].values())} | {au['examples_with_preamble']} | {broken} |")
    return lines


def builds_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| model | corpus train sha256 | vocab | max_seq_length | examples | final loss | train s (s/it) | build s "
        "| eval s (" + " / ".join(SUITES) + ") | valid.jsonl same_tools |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        m = r.manifest
        if not m:
            lines.append(f"| {r.arm}-s{r.seed} | missing | | | | | | | | |")
            continue
        t = m["training"]
        build_s = f"{r.build_s:.0f}" if r.build_s is not None else "-"
        eval_s = " / ".join(f"{r.eval_s[k]:.0f}" if k in r.eval_s else "-" for k in SUITES)
        lines.append(
            f"| {r.arm}-s{r.seed} | {m['corpus']['train_sha256'][:12]} | "
            f"{m['vocab_size']} | {t['max_seq_length']} | {t['examples']} | {t['final_loss']} | "
            f"{t['seconds']} ({t['seconds_per_iter']}) | {build_s} | {eval_s} | {m['held_out'].get('same_tools')} |"
        )
    return lines


def suite_section(runs: Sequence[Run], suite: str) -> tuple[list[str], dict[str, Any]]:
    """One suite's accuracy tables, diagnoses and paired comparisons; one line when no run has its results."""
    done = [r for r in runs if suite in r.documents]
    if not done:
        return [
            f"## {TITLES[suite]}",
            "",
            f"No {suite} results in this work dir (a run from before it was scored).",
            "",
        ], {}
    missing = [f"{r.arm}-s{r.seed}" for r in runs if suite not in r.documents]
    sp = spreads(runs, suite)
    name = done[0].documents[suite].get("metadata", {}).get("suite", {}).get("name", suite)
    n = len(done[0].documents[suite].get("queries", []))
    lines = [
        f"## {TITLES[suite]}: `{name}`, {n} queries",
        "",
        f"Models scored: {len(done)} of {len(runs)}"
        + (f" (**PARTIAL**: missing {', '.join(missing)})" if missing else ""),
        "",
        "### Strict accuracy, mean (min-max) over seeds",
        "",
        *accuracy_table(sp, "strict"),
        "",
        "### Soft accuracy (gate layer only), mean (min-max) over seeds",
        "",
        *accuracy_table(sp, "soft"),
        "",
        *(["![strict accuracy per category, main suite](chart.svg)", ""] if suite == "main" else []),
        "### Wire diagnoses per tool family (all turns, summed over seeds)",
        "",
        f"`{GATE_FAILED}`: turns whose gate layer failed (no call where one was expected, or a call where prose was).",
        "A query spanning two families counts in each.",
        "",
        *diagnosis_table(runs, suite),
        "",
        "Queries whose turn 1 was diagnosed `preamble_then_stop` / `preamble` (per run):",
        "",
    ]
    for r in done:
        pts = turn1_labels(r.documents[suite], "preamble_then_stop")
        pre = turn1_labels(r.documents[suite], "preamble")
        lines.append(f"- {r.arm}-s{r.seed}: preamble_then_stop {len(pts)} {pts}; preamble {len(pre)} {pre}")
    comp_lines, comp_data = comparison_section(runs, suite)
    lines += [
        "",
        "### Paired comparisons (strict outcomes, paired by query id within a seed)",
        "",
        "Pooled row: the discordant counts b and c summed over seeds, one exact McNemar test on the sums "
        f"(pairs = {n} queries x seeds, treated as independent although each query recurs per seed).",
        "",
        *comp_lines,
    ]
    data = {
        "missing": missing,
        "accuracy": {
            arm: [{"category": c.name, "n": c.n, "strict": c.strict.__dict__, "soft": c.soft.__dict__} for c in rows]
            for arm, rows in sp.items()
        },
        "diagnoses": {arm: {f: dict(c) for f, c in counts.items()} for arm, counts in diagnoses(runs, suite).items()},
        "comparisons": comp_data,
    }
    return lines, data


def markdown(
    runs: Sequence[Run], audits: Mapping[str, Mapping[str, Any]], meta: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    recipes = {json.dumps(recipe(r.manifest), sort_keys=True) for r in runs if r.manifest}
    lines = [
        "# Preamble study: generated figures",
        "",
        f"Command: `{meta['command']}`  ",
        f"Seeds: {', '.join(map(str, meta['seeds']))}; models scored per suite: "
        + ", ".join(f"{suite} {sum(1 for r in runs if suite in r.documents)} of {len(runs)}" for suite in SUITES),
        f"Wall time of this invocation: {meta['wall_s']:.0f}s"
        + (" (--report-only: no builds in it)" if meta.get("report_only") else "")
        + f"; builds + evaluations measured by the study: {_measured(runs)}; "
        f"machine load at the end: {meta['load']}.",
        "",
        "Identical training recipe across corpora: "
        + (
            "unknown (no manifests)"
            if not recipes
            else "**yes**"
            if len(recipes) == 1
            else f"**NO** ({len(recipes)} different recipes)"
        )
        + (f" — `{next(iter(recipes))}`" if len(recipes) == 1 else ""),
        "",
    ]
    suites: dict[str, Any] = {}
    for suite in SUITES:
        section, suites[suite] = suite_section(runs, suite)
        lines += section
    lines += [
        "## Corpus audits (`punie-eval audit DIR --json`)",
        "",
        *(
            audit_table(audits)
            if audits
            else ["No corpus snapshots in the work dir (resumed from manifests and results)."]
        ),
        "",
        "## Builds",
        "",
        *builds_table(runs),
        "",
    ]
    data = {
        "format": "punie-study/2",
        "meta": dict(meta),
        "recipes": sorted(recipes),
        "suites": suites,  # suite name -> missing, accuracy, diagnoses, comparisons ({} when never scored)
        "audits": audits,
        "runs": [_run_record(r) for r in runs],
    }
    return "\n".join(lines), data


def _measured(runs: Sequence[Run]) -> str:
    build = sum(r.build_s or 0.0 for r in runs)
    evals = sum(sum(r.eval_s.values()) for r in runs)
    return f"{build + evals:.0f}s ({build:.0f}s building, {evals:.0f}s evaluating)"


def _outcomes(document: Mapping[str, Any]) -> dict[str, Any]:
    """One results document in brief: model hash, overall summary and every query's outcome."""
    return {
        "model_hash": document.get("metadata", {}).get("model", {}).get("hash"),
        "suite": document.get("metadata", {}).get("suite"),
        "summary": document.get("summary", {}).get("overall"),
        "queries": [
            {
                "id": q["id"],
                "category": q["category"],
                "soft": q["soft"],
                "strict": q["strict"],
                "labels": [(t.get("diagnosis") or {}).get("label") for t in q["turns"]],
                "failure": q["failure"],
                "turn1": q["turns"][0]["response"][:240] if q["turns"] else "",
            }
            for q in document.get("queries", [])
        ],
    }


def _run_record(r: Run) -> dict[str, Any]:
    return {
        "arm": r.arm,
        "seed": r.seed,
        "build_s": r.build_s,
        "eval_s": r.eval_s,
        "manifest_training": r.manifest.get("training"),
        "held_out": r.manifest.get("held_out"),
        "results": {suite: _outcomes(r.documents[suite]) for suite in SUITES if suite in r.documents},
    }


def html(md_svg: str, body_md: str) -> str:
    """A self-contained page: the chart inline and the Markdown report in a <pre> (no scripts, no assets)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Preamble study</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
        "pre{white-space:pre;overflow-x:auto;font-size:12px}</style></head><body>\n"
        f"<h1>Preamble study</h1>\n{md_svg}\n<pre>{escape(body_md)}</pre>\n</body></html>\n"
    )


def write_report(
    out: Path, runs: Sequence[Run], audits: Mapping[str, Mapping[str, Any]], meta: Mapping[str, Any]
) -> None:
    """Write report.md, chart.svg, report.html and study.json into ``out`` atomically."""
    body, data = markdown(runs, audits, meta)
    sp = spreads(runs, "main")  # the chart shows the main suite; the held-out one is in the tables
    chart = svg_chart(sp) if sp else ""
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (staged / "report.md").write_text(body, encoding="utf-8")
        (staged / "study.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        if chart:
            (staged / "chart.svg").write_text(chart, encoding="utf-8")
        (staged / "report.html").write_text(html(chart, body), encoding="utf-8")
        replace_dir(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
