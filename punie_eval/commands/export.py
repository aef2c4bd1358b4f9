"""``punie-eval export RUN --inspect OUT.eval --csv OUT.csv``: one run for other tools.

RUN is a results file, a run id of the history or ``[MODEL@]last[~N]`` (see ``history``).
``--inspect`` writes an Inspect AI eval log (``inspect view`` browses it; needs the extra
``punie-eval[inspect]``), ``--csv`` one row per query. Each output is written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from punie_eval.atomic import write_text
from punie_eval.errors import UsageError
from punie_eval.evaluation.result import RunResult
from punie_eval.history import HISTORY_NAME
from punie_eval.history.refs import input_path, resolve_run
from punie_eval.outputs import refuse_overwriting_inputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a results file, a run id or [MODEL@]last[~N]")
    parser.add_argument(
        "--history", type=Path, default=Path(HISTORY_NAME), metavar="PATH", help="history of run ids and last"
    )
    parser.add_argument(
        "--inspect", type=Path, metavar="OUT.eval", help="write an Inspect AI eval log (.eval or .json)"
    )
    parser.add_argument("--csv", type=Path, metavar="OUT.csv", help="write one CSV row per query")


def run(args: argparse.Namespace) -> int:
    if args.inspect is None and args.csv is None:
        raise UsageError("export: pass --inspect OUT.eval and/or --csv OUT.csv")
    if args.inspect is not None and args.inspect.suffix not in (".eval", ".json"):
        raise UsageError(f"--inspect must end in .eval or .json (Inspect's log formats), got {str(args.inspect)!r}")
    refuse_overwriting_inputs(
        {"--inspect": args.inspect, "--csv": args.csv}, {"RUN": input_path(args.run, args.history)}
    )
    result = RunResult.from_json(resolve_run(args.run, args.history), args.run)
    if args.csv is not None:
        from punie_eval.export.table import csv_text

        write_text(args.csv, csv_text(result))
        print(f"csv: {args.csv} ({len(result.records)} queries)")
    if args.inspect is not None:
        from punie_eval.export.inspect_log import write_inspect_log

        write_inspect_log(result, args.inspect)
        print(f"inspect log: {args.inspect} (inspect view --log-dir {args.inspect.parent or '.'})")
    return 0
