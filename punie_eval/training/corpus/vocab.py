"""Slot values the request templates are filled with: many distinct paths, symbols and numbers,
so the model learns to copy them from the request rather than memorise a few."""

from __future__ import annotations

import random
from dataclasses import dataclass

PACKAGES = ("punie", "app", "core", "billing", "webshop", "inventory", "notes", "tracker", "api", "orbit", "ledger")
SUBPACKAGES = ("agent", "models", "services", "utils", "cli", "db", "auth", "handlers", "tools", "parsers", "web")
MODULES = (
    "config",
    "session",
    "typed_tools",
    "client",
    "server",
    "models",
    "views",
    "schemas",
    "helpers",
    "cache",
    "routes",
    "loader",
    "runner",
    "store",
    "events",
    "factory",
    "storage",
    "validators",
    "tasks",
    "toolset",
    "registry",
    "settings",
    "pipeline",
    "metrics",
    "main",
    "queue",
    "worker",
    "render",
    "search",
    "export",
)
CLASS_HEADS = (
    "Git",
    "Agent",
    "Session",
    "User",
    "Order",
    "Cache",
    "Http",
    "Token",
    "Task",
    "Event",
    "Report",
    "Invoice",
    "Query",
    "Model",
    "Tool",
    "Payment",
    "Stream",
    "Plugin",
    "Ruff",
    "Lint",
    "Workspace",
    "Document",
    "Diff",
)
CLASS_TAILS = (
    "Manager",
    "Result",
    "Config",
    "Client",
    "Service",
    "Handler",
    "Store",
    "Parser",
    "Runner",
    "Factory",
    "Status",
    "Error",
    "Registry",
    "Builder",
    "Loader",
    "Settings",
    "Info",
    "Spec",
)
FUNC_VERBS = (
    "load",
    "parse",
    "build",
    "fetch",
    "save",
    "run",
    "create",
    "validate",
    "render",
    "compute",
    "update",
    "delete",
    "get",
    "resolve",
    "format",
    "send",
    "handle",
    "check",
    "merge",
    "read",
    "execute",
    "apply",
)
FUNC_NOUNS = (
    "config",
    "user",
    "session",
    "order",
    "token",
    "report",
    "items",
    "cache",
    "payload",
    "settings",
    "request",
    "response",
    "results",
    "events",
    "path",
    "schema",
    "query",
    "tools",
    "invoice",
    "status",
    "registry",
    "code",
    "agent",
)
SEARCH_WORDS = ("Config", "Result", "Session", "Client", "Handler", "parse", "load", "Error", "Registry", "Tool")
AUTHORS = (
    *("Ada", "Ben", "Chloe", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena"),
    *("Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tomas", "Uma", "Viktor", "Wen", "Yusuf"),
)
# Shell commands with no typed tool: these are the genuine run_command requests.
SHELL_COMMANDS = (
    ("make", ["build"], "build the project with make"),
    ("pip", ["install", "-e", "."], "install the package in editable mode with pip"),
    ("npm", ["install"], "install the frontend dependencies with npm"),
    ("ls", ["-la", "src"], "list the files in src with ls -la"),
    ("du", ["-sh", "."], "check how much disk space the repo uses with du"),
    ("docker", ["ps"], "list the running docker containers"),
    ("python", ["scripts/migrate.py"], "run the migration script scripts/migrate.py"),
    ("uv", ["lock"], "regenerate the uv lock file"),
    ("wc", ["-l", "README.md"], "count the lines in README.md with wc"),
    ("python", ["--version"], "print the Python version"),
    ("make", ["docs"], "build the documentation with make docs"),
    ("pre-commit", ["run", "--all-files"], "run pre-commit on all files"),
    ("tox", ["-e", "py311"], "run tox for the py311 environment"),
    ("alembic", ["upgrade", "head"], "apply the database migrations with alembic"),
)
FILE_CONTENTS = (
    "__version__ = '0.2.0'\n",
    "# TODO: add tests\n",
    "DEBUG = False\n",
    "[tool.ruff]\nline-length = 100\n",
    "from .config import load_config\n",
    "TIMEOUT_SECONDS = 30\n",
    "# Notes\n\nRemember to update the changelog.\n",
)
NOTE_FILES = ("notes/todo.md", "CHANGELOG.md", "docs/notes.md", "README.md", ".env.example", "scratch/ideas.md")


@dataclass(frozen=True)
class Slots:
    """One request's slot values."""

    dir: str
    file: str
    sym: str
    line: int
    col: int
    n: int
    query: str
    testdir: str
    other_file: str


def directory(rng: random.Random) -> str:
    pkg = rng.choice(PACKAGES)
    return rng.choice(("src/", f"src/{pkg}/", f"src/{pkg}/{rng.choice(SUBPACKAGES)}/", f"src/{pkg}/"))


def python_file(rng: random.Random) -> str:
    pkg, mod = rng.choice(PACKAGES), rng.choice(MODULES)
    if rng.random() < 0.75:
        return f"src/{pkg}/{rng.choice(SUBPACKAGES)}/{mod}.py"
    return f"src/{pkg}/{mod}.py"


def test_dir(rng: random.Random) -> str:
    return rng.choice(("tests/", "tests/", "tests/unit/", "tests/integration/", f"tests/test_{rng.choice(MODULES)}.py"))


def class_name(rng: random.Random) -> str:
    """``HeadTail`` or, one time in three, ``HeadTailTail`` (``GitStatusResult``, ``HttpClientConfig``)."""
    head, tail = rng.choice(CLASS_HEADS), rng.choice(CLASS_TAILS)
    if rng.random() < 1 / 3:
        return head + rng.choice([t for t in CLASS_TAILS if t != tail]) + tail
    return head + tail


def number(rng: random.Random, low: int, high: int) -> int:
    """A number in [low, high] whose digit count is uniform: a model copying it must learn where
    the number ends, not that line numbers usually have three digits."""
    spans = [(max(low, 10 ** (d - 1) if d > 1 else 0), min(high, 10**d - 1)) for d in range(1, len(str(high)) + 1)]
    lo, hi = rng.choice([(a, b) for a, b in spans if a <= b])
    return rng.randint(lo, hi)


def func_name(rng: random.Random) -> str:
    return f"{rng.choice(FUNC_VERBS)}_{rng.choice(FUNC_NOUNS)}"


def symbol(rng: random.Random) -> str:
    return class_name(rng) if rng.random() < 0.5 else func_name(rng)


def slots(rng: random.Random) -> Slots:
    file = python_file(rng)
    other = python_file(rng)
    while other == file:
        other = python_file(rng)
    return Slots(
        dir=directory(rng),
        file=file,
        sym=symbol(rng),
        line=number(rng, 1, 420),
        col=number(rng, 0, 40),
        n=rng.choice((2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20)),
        query=rng.choice((class_name(rng), func_name(rng), rng.choice(SEARCH_WORDS))),
        testdir=test_dir(rng),
        other_file=other,
    )


def py_str(text: str) -> str:
    """A double-quoted Python string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
