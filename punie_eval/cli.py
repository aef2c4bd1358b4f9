"""The ``punie-eval`` command: one subcommand per module in ``punie_eval.commands``.

Each command module exposes ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their subcommand runs, so
``punie-eval --help`` stays fast and never imports MLX.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from punie_eval.errors import PunieEvalError

COMMANDS = {
    "diagnose": "print the parsed tool calls, format diagnosis and fields read of a raw model response",
    "audit": "audit chat JSONL training data: preambles per tool, contracts, leakage",
    "clean": "clean chat JSONL training data (preambles, announce-then-stop, tool roles, duplicates)",
    "build-reference-model": "build the tiny reference MLX model from the cleaned corpus",
    "compare": "compare a candidate run (results file or history run id) with the promoted baseline: a verdict",
    "tools": "check a tool registry folder, or build one from Pydantic models (tools check | from-pydantic)",
    "checkpoints": "evaluate every checkpoint of an mlx_lm lora adapter folder, record them, name the best one",
    "export": "export one run (results file or history run) as an Inspect AI eval log (--inspect) or CSV (--csv)",
    "history": "list the recorded runs, show one (history show RUN), or write the trend page (--html OUT)",
    "init": "write a ready evals/ (the suite's tests, a conftest and a copy of the suite) into a project",
}

EXIT_USAGE = 2  # bad input or usage: one line naming file, line and field (or the option)
EXIT_INTERNAL = 70  # a bug in punie-eval (EX_SOFTWARE): one line; PUNIE_DEBUG=1 shows the traceback


def _build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="punie-eval", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((a for a in argv if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        cmd_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"punie_eval.commands.{name.replace('-', '_')}")
            module.add_arguments(cmd_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(argv)
    args = parser.parse_args(argv)
    module = importlib.import_module(f"punie_eval.commands.{args.command.replace('-', '_')}")
    try:
        return int(module.run(args))
    except PunieEvalError as err:
        print(f"punie-eval {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"punie-eval {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug, not a user error: one line unless asked for the traceback
        if os.environ.get("PUNIE_DEBUG"):
            raise
        where = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:300]
        print(
            f"punie-eval {args.command}: internal error: {where} (PUNIE_DEBUG=1 shows the traceback)", file=sys.stderr
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
