"""``punie-eval tools check DIR`` and ``punie-eval tools from-pydantic MODULE[:NAME]... --out DIR``.

``check`` prints every problem of a registry folder, one line each naming file, line and
field (exit 1), or a one-line summary (exit 0). ``from-pydantic`` writes a registry from typed
function stubs and the Pydantic models they return (extra ``punie-eval[pydantic]``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from punie_eval.errors import RegistryError
from punie_eval.registry import load_registry
from punie_eval.registry_check import registry_problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a registry folder", description="validate a registry folder")
    check.add_argument("dir", type=Path, metavar="DIR", help="registry folder (tools.json + results/)")
    export = actions.add_parser(
        "from-pydantic",
        help="write a registry from typed function stubs returning Pydantic models",
        description="write a registry from typed function stubs returning Pydantic models",
    )
    export.add_argument(
        "targets", nargs="+", metavar="MODULE[:NAME]", help="a module's public functions, or one function NAME"
    )
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="the registry folder to write")
    export.add_argument("--name", help="the registry's name (default: the folder's name)")
    export.add_argument("--family", help="the tools' family marker (default: each module's own name)")
    export.add_argument("--force", action="store_true", help="replace an existing --out folder")


def _check(folder: Path) -> int:
    try:
        files, problems = registry_problems(folder)
    except RegistryError as err:  # unreadable or invalid JSON: nothing further can be checked
        print(err)
        return 1
    if files is None:
        print("\n".join(str(p) for p in problems))
        return 1
    registry = load_registry(folder)
    print(
        f"{folder}: registry {registry.name} ({registry.fingerprint[:12]}): {len(registry.tools)} tools in "
        f"{', '.join(registry.families)}, {len(registry.types)} result types: ok"
    )
    return 0


def _from_pydantic(args: argparse.Namespace) -> int:
    from punie_eval.pydantic_registry import build, refuse_existing, stubs, write_registry

    refuse_existing(args.out, force=args.force)  # before importing anything of the user's
    manifest, schemas = build(stubs(args.targets, args.family), args.name or args.out.name)
    write_registry(args.out, manifest, schemas, force=args.force)
    return _check(args.out)


def run(args: argparse.Namespace) -> int:
    return _check(args.dir) if args.action == "check" else _from_pydantic(args)


__all__ = ["add_arguments", "run"]
