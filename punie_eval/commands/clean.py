"""``punie-eval clean IN_DIR OUT_DIR [--force] [--only KIND] [--tools DIR]``: write a cleaned copy of chat JSONL."""

from __future__ import annotations

import argparse
from pathlib import Path

from punie_eval.commands.registry_arg import add_tools_argument, chosen_registry
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.training.clean import KINDS, clean_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "in_dir", type=Path, metavar="IN_DIR", help="folder of chat JSONL files (train.jsonl, valid.jsonl, ...)"
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write the cleaned files to")
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    parser.add_argument(
        "--only",
        action="append",
        choices=KINDS,
        metavar="KIND",
        help=f"clean only this kind (repeatable): {', '.join(KINDS)}",
    )
    add_tools_argument(parser)


def run(args: argparse.Namespace) -> int:
    refuse_overwriting_inputs({"OUT_DIR": args.out_dir}, {"IN_DIR": args.in_dir}, folders=frozenset({"OUT_DIR"}))
    registry = chosen_registry(args)
    report = clean_dir(args.in_dir, args.out_dir, force=args.force, only=args.only or KINDS, registry=registry)
    print("\n".join(report.lines()))
    return 0
