"""``punie-eval history``: list recorded runs, ``history show RUN``, ``history --html OUT`` (the trend page).

    punie-eval history                          every run, oldest first (--model, --suite, --since, --until, --limit)
    punie-eval history show last                one run: identity, decoding, categories, failing queries
    punie-eval history --model M --html t.html  strict and soft per category over M's runs

The database is ``--history PATH`` (default ``.punie-history.sqlite`` here, beside the default cache).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from punie_eval.atomic import write_text
from punie_eval.errors import UsageError
from punie_eval.history import HISTORY_NAME
from punie_eval.history.refs import run_id_of
from punie_eval.history.store import RunSummary, category_counts, list_runs, load_document
from punie_eval.history.trend import trend_html
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.text import counts_text, pct, table_lines
from punie_eval.values import positive_int


def _positive(text: str) -> int:
    try:
        return positive_int("--limit", text)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    history_help = f"the history database (default {HISTORY_NAME})"
    parser.add_argument("--history", type=Path, default=Path(HISTORY_NAME), metavar="PATH", help=history_help)
    parser.add_argument("--model", metavar="NAME", help="only runs of this model (name or hash prefix)")
    parser.add_argument("--suite", metavar="NAME", help="only runs of this suite (name or fingerprint prefix)")
    parser.add_argument("--since", metavar="DATE", help="only runs started on or after this ISO date")
    parser.add_argument("--until", metavar="DATE", help="only runs started on or before this ISO date")
    parser.add_argument("--limit", type=_positive, metavar="N", help="only the newest N runs")
    parser.add_argument("--html", type=Path, metavar="OUT", help="write the trend page of the listed runs here")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    show = sub.add_parser("show", help="one run: identity, decoding, categories, failing queries")
    show.add_argument("run", metavar="RUN", help="a run id or [MODEL@]last[~N]")
    show.add_argument("--history", type=Path, default=argparse.SUPPRESS, metavar="PATH", help=history_help)


def listing(runs: Sequence[RunSummary]) -> list[str]:
    """The ``history`` table: one line per run."""
    header = ("id", "started (UTC)", "model", "hash", "suite", "strict", "soft", "gate", "project")
    rows = [
        (
            str(r.id),
            r.started_at.replace("T", " ")[:19],
            r.model_name,
            (r.model_hash or "-")[:12],
            r.suite_name + ("" if r.complete else " (partial)"),
            str(Counts(r.strict, r.n)),
            str(Counts(r.soft, r.n)),
            "-" if r.gate_passed is None else ("passed" if r.gate_passed else "failed"),
            (r.project_commit or "-")[:10],
        )
        for r in runs
    ]
    return table_lines(header, rows, frozenset({0}))


def _identity(run_id: int, meta: Mapping[str, Any]) -> list[str]:
    model, suite = meta.get("model") or {}, meta.get("suite") or {}
    decoding = ", ".join(f"{k} {v}" for k, v in (meta.get("decoding") or {}).items())
    timings = meta.get("timings") or {}
    return [
        f"run {run_id}, started {meta.get('started_at')}, {timings.get('total_s')} s",
        f"model   : {model.get('name')} ({(model.get('hash') or '-')[:12]}), adapter {model.get('adapter') or '-'}, "
        f"backend {meta.get('backend')}",
        f"suite   : {suite.get('name')} ({str(suite.get('fingerprint'))[:12]}), scorer {meta.get('scorer_version')}",
        f"decoding: {decoding}",
    ]


def show(run_id: int, document: Mapping[str, Any]) -> list[str]:
    """``history show``: the run's identity, its categories with Wilson intervals and its failing queries."""
    summary = document["summary"]
    rows = []
    for name, c in [*summary["categories"].items(), ("overall", summary["overall"])]:
        strict = Counts(int(c["strict"]), int(c["n"]))
        low, high = strict.interval
        floor = c.get("floor")
        soft = Counts(int(c["soft"]), int(c["n"]))
        band = f"[{100 * low:.0f}-{100 * high:.0f}]"
        rows.append((name, str(soft), str(strict), band, "-" if floor is None else pct(floor, 0)))
    lines = _identity(run_id, document["metadata"])
    lines += ["", *table_lines(("category", "soft", "strict", "95% strict", "floor"), rows)]
    lines.append(f"diagnoses: {counts_text(summary.get('diagnoses') or {})}")
    failing = [(q["id"], q["failure"] or "") for q in document["queries"] if not q["strict"]]
    lines.append(f"failing strict: {len(failing)}")
    lines += [f"  {qid:28} {failure}" for qid, failure in failing]
    return lines


def _trend(args: argparse.Namespace, runs: Sequence[RunSummary]) -> str:
    if not runs:
        raise UsageError(f"--html: no run of {args.history} matches the filters: nothing to plot")
    latest = load_document(args.history, runs[-1].id)["summary"]
    floors = {name: float(c["floor"]) for name, c in latest["categories"].items() if c.get("floor") is not None}
    gate = latest.get("gate") or {}
    return trend_html(
        runs,
        category_counts(args.history, [r.id for r in runs]),
        title=f"punie-eval history: {args.history}",
        floors=floors,
        min_strict=float(gate.get("min_strict") or 0.80),
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "show":
        run_id = run_id_of(args.run, args.history)
        print("\n".join(show(run_id, load_document(args.history, run_id))))
        return 0
    refuse_overwriting_inputs({"--html": args.html}, {"--history": args.history})
    runs = list_runs(
        args.history, model=args.model, suite=args.suite, since=args.since, until=args.until, limit=args.limit
    )
    print("\n".join(listing(runs)) if runs else f"{args.history}: no run matches")
    if args.html is not None:
        write_text(args.html, _trend(args, runs))
        print(f"trend page: {args.html}")
    return 0
