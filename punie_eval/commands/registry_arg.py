"""The ``--tools DIR`` argument every command that reads tool calls takes (not a subcommand)."""

from __future__ import annotations

import argparse

from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.values import existing_dir


def add_tools_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tools", metavar="DIR", help="tool registry folder (tools.json + results/; default: the bundled 14 tools)"
    )


def given_registry(args: argparse.Namespace) -> ToolRegistry | None:
    """The registry ``--tools`` names, or None when it is not given."""
    return load_registry(existing_dir("--tools", args.tools)) if args.tools else None


def chosen_registry(args: argparse.Namespace) -> ToolRegistry:
    return given_registry(args) or load_registry()


__all__ = ["add_tools_argument", "chosen_registry", "given_registry"]
