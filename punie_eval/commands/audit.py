"""``punie-eval audit PATH... [--json] [--queries FILE] [--tools DIR]``: exit 1 when a data contract is broken."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from punie_eval.commands.registry_arg import add_tools_argument, given_registry
from punie_eval.paths import default_queries_file
from punie_eval.queries import QuerySuite, guarded_suites, load_suite
from punie_eval.registry import load_registry
from punie_eval.training.audit import audit_files, expand, render
from punie_eval.training.leakage import LeakIndex


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="chat JSONL files or folders of them")
    parser.add_argument("--json", action="store_true", help="print the audit as JSON")
    parser.add_argument(
        "--queries",
        type=Path,
        help="query suite for leakage and the system prompt (default: the bundled one; leakage: also held-out)",
    )
    add_tools_argument(parser)


def _leak_index(suite: QuerySuite | None, *, given: bool) -> LeakIndex | None:
    """The --queries suite's prompts; by default those of the bundled main and held-out suites."""
    if suite is None:
        return None
    return LeakIndex.of_suite(suite) if given else LeakIndex.of_suites(*guarded_suites())


def run(args: argparse.Namespace) -> int:
    registry = given_registry(args)
    queries = args.queries or default_queries_file()
    suite = load_suite(queries, registry) if args.queries or queries.exists() else None
    registry = registry or (suite.registry if suite else load_registry())  # --tools, else the suite's tools
    audit = audit_files(
        expand(args.paths),
        registry,
        system_prompt=suite.system_prompt if suite else None,
        leak_index=_leak_index(suite, given=args.queries is not None),
    )
    print(json.dumps(audit.to_json(), indent=2) if args.json else render(audit))
    return 0 if audit.ok else 1
