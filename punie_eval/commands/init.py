"""``punie-eval init [DIR]``: write a ready ``evals/`` into a project (the suite's tests, a conftest, the suite).

The files are the ones this project runs (``evals/`` of the repository, bundled in the wheel as
``punie_eval/_evals``) plus a copy of the bundled 57-query suite to edit. The conftest makes that
copy the default suite of ``pytest evals/``. Existing files are never replaced without ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from punie_eval.atomic import write_text
from punie_eval.errors import UsageError
from punie_eval.paths import default_queries_file, evals_dir

FILES = ("test_queries.py", "test_snapshots.py", "test_data_contracts.py")
CONFTEST_HEAD = '''"""punie-eval's evals for this project (written by ``punie-eval init``).

``pytest evals/`` evaluates the model given by ``--model`` (or PUNIE_MODEL, or ini punie_model) on
evals/queries.json, this project's copy of the suite: edit it, or pass --queries FILE.
"""

from __future__ import annotations

import os
'''
CONFTEST_TAIL = """

# This project's copy of the suite is the default of `pytest evals/` (--queries or PUNIE_QUERIES still win).
os.environ.setdefault("PUNIE_QUERIES", str(Path(__file__).with_name("queries.json")))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", nargs="?", type=Path, default=Path("."), metavar="DIR", help="project folder (default .)"
    )
    parser.add_argument("--force", action="store_true", help="replace existing files under DIR/evals/")


def _conftest(source: str) -> str:
    """The project's conftest: the suite default, then our conftest's options (its own docstring dropped)."""
    body = source.split('"""', 2)[2] if source.startswith('"""') else source
    body = body.replace("from __future__ import annotations\n", "", 1).lstrip("\n")
    return CONFTEST_HEAD + body + CONFTEST_TAIL


def run(args: argparse.Namespace) -> int:
    target = Path(args.dir) / "evals"
    source = evals_dir()
    plan = {name: (source / name).read_text(encoding="utf-8") for name in FILES}
    plan["conftest.py"] = _conftest((source / "conftest.py").read_text(encoding="utf-8"))
    plan["queries.json"] = default_queries_file().read_text(encoding="utf-8")
    existing = sorted(name for name in plan if (target / name).exists())
    if existing and not args.force:
        raise UsageError(f"{target}: {', '.join(existing)} already exist; pass --force to replace them")
    for name, text in plan.items():
        write_text(target / name, text)
    print(f"wrote {', '.join(sorted(plan))} to {target}/")
    print(f"run: pytest {target}/ --model PATH/TO/YOUR/MODEL --gate   (first run: snapshots skip; record them with")
    print("     --snapshot-update and commit snapshots/)")
    return 0
