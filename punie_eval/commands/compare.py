"""``punie-eval compare BASELINE CANDIDATE``: a verdict for CI.

Each side is a results file or a run of the history (``--history``): a run id or
``[MODEL@]last[~N]`` (``compare reference-model@last~1 reference-model@last``).

Prints the text summary and the verdict; optionally writes a Markdown report (for a PR
comment or ``$GITHUB_STEP_SUMMARY``) and a self-contained HTML page, each atomically.
Exit codes: promote 0, reject 1, hold 3; usage and data errors 2 (see punie_eval.reporting.compare).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from punie_eval.atomic import write_text
from punie_eval.errors import UsageError
from punie_eval.history import HISTORY_NAME
from punie_eval.history.refs import input_path, resolve_run
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.reporting.compare import compare
from punie_eval.reporting.rendering import to_html, to_markdown, to_text
from punie_eval.values import fraction


def probability(text: str) -> float:
    """argparse type: a finite number in [0, 1] (the check is ``values.fraction``)."""
    try:
        return fraction("value", text)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def floor_override(text: str) -> tuple[str, float]:
    """argparse type: ``CATEGORY=X`` with X in [0, 1]."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"must be CATEGORY=X, got {text!r}")
    return name.strip(), probability(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    runs = "a results file, a run id or [MODEL@]last[~N]"
    parser.add_argument("baseline", metavar="BASELINE", help=f"the promoted model's run: {runs}")
    parser.add_argument("candidate", metavar="CANDIDATE", help=f"the candidate's run: {runs}")
    parser.add_argument(
        "--history", type=Path, default=Path(HISTORY_NAME), metavar="PATH", help="history of run ids and last"
    )
    parser.add_argument("--force", action="store_true", help="compare even if the suites or scorer versions differ")
    parser.add_argument("--allow-partial", action="store_true", help="compare runs that cover only part of the suite")
    parser.add_argument(
        "--min-strict", type=probability, default=0.80, metavar="X", help="overall strict accuracy to promote"
    )
    parser.add_argument(
        "--floor",
        type=floor_override,
        action="append",
        default=[],
        metavar="CAT=X",
        help="override a category floor (repeatable)",
    )
    parser.add_argument("--alpha", type=probability, default=0.05, metavar="A", help="McNemar significance level")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown report here")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report here")


def run(args: argparse.Namespace) -> int:
    refuse_overwriting_inputs(
        {"--markdown": args.markdown, "--html": args.html},
        {"BASELINE": input_path(args.baseline, args.history), "CANDIDATE": input_path(args.candidate, args.history)},
    )
    comparison = compare(
        resolve_run(args.baseline, args.history),
        resolve_run(args.candidate, args.history),
        force=args.force,
        allow_partial=args.allow_partial,
        min_strict=args.min_strict,
        floors=dict(args.floor),
        alpha=args.alpha,
    )
    print(to_text(comparison), end="")
    if args.markdown:
        write_text(args.markdown, to_markdown(comparison))
        print(f"markdown report: {args.markdown}")
    if args.html:
        write_text(args.html, to_html(comparison))
        print(f"html report: {args.html}")
    return comparison.verdict.exit_code
