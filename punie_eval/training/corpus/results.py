"""Schema-valid tool results for multi-turn conversations, and the prose that summarises them.

Every result is checked against its JSON Schema (``registry.validation_errors``) before use,
so the corpus never teaches invented fields. Summaries name the concrete numbers, files,
codes and messages of the result: that is what a turn-2 summary is scored on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from punie_eval.registry import ToolRegistry
from punie_eval.training.corpus import texts, vocab
from punie_eval.training.corpus.vocab import Slots

Result = dict[str, Any]

KIND_NAMES = {5: "class", 6: "method", 12: "function", 13: "variable", 14: "constant"}
STATUSES = ("modified", "modified", "added", "deleted", "untracked", "renamed")


def _files(rng: random.Random, s: Slots, k: int) -> list[str]:
    """``k`` files: the request's file first, then the other one, then random ones."""
    return ([s.file, s.other_file] + [vocab.python_file(rng) for _ in range(max(0, k - 2))])[:k]


def typecheck(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    errors = []
    for file in _files(rng, s, rng.randint(max(at_least, 0), 3)):
        code, message = texts.type_error(rng)
        severity = "warning" if rng.random() < 0.15 else "error"
        errors.append(
            {
                "file": file,
                "line": rng.randint(2, 300),
                "column": rng.randint(1, 40),
                "severity": severity,
                "code": code,
                "message": message,
            }
        )
    error_count = sum(e["severity"] == "error" for e in errors)
    return {
        "success": error_count == 0,
        "error_count": error_count,
        "warning_count": len(errors) - error_count,
        "errors": errors,
    }


def ruff_check(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    violations = []
    for file in _files(rng, s, rng.randint(at_least, 4)):
        code, message, fixable = texts.lint_violation(rng)
        violations.append(
            {
                "file": file,
                "line": rng.randint(1, 200),
                "column": rng.randint(1, 30),
                "code": code,
                "message": message,
                "fixable": fixable,
            }
        )
    return {
        "success": not violations,
        "violation_count": len(violations),
        "fixable_count": sum(v["fixable"] for v in violations),
        "violations": violations,
    }


def pytest_run(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    failed = rng.choice((0, 0, 1, 1, 2, 3)) if not at_least else rng.randint(at_least, 2)
    tests = [
        {
            "name": f"tests/test_{rng.choice(vocab.MODULES)}.py::test_{vocab.func_name(rng)}",
            "outcome": "failed",
            "duration": round(rng.uniform(0.01, 1.5), 2),
            "message": texts.failure_message(rng),
        }
        for _ in range(failed)
    ]
    passed, skipped = rng.randint(3, 120), rng.choice((0, 0, 1, 2))
    return {
        "success": failed == 0,
        "passed": passed,
        "failed": failed,
        "errors": 0,
        "skipped": skipped,
        "duration": round(rng.uniform(0.5, 40.0), 2),
        "tests": tests,
    }


def _preview(sym: str) -> str:
    return f"class {sym}:" if sym[0].isupper() else f"def {sym}(self) -> None:"


def goto_definition(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    line = rng.randint(5, 300)
    loc = {
        "file": s.other_file,
        "line": line,
        "column": 4,
        "end_line": line,
        "end_column": 4 + len(s.sym),
        "preview": _preview(s.sym),
    }
    return {"success": True, "symbol": s.sym, "locations": [loc]}


def find_references(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    refs = [{"file": s.file, "line": s.line, "column": s.col}]
    for file in [s.other_file] + [vocab.python_file(rng) for _ in range(rng.randint(0, 3))]:
        refs.append({"file": file, "line": rng.randint(2, 300), "column": rng.randint(0, 40)})
    return {"success": True, "symbol": s.sym, "reference_count": len(refs), "references": refs}


def hover(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    return {"success": True, "symbol": s.sym, "content": texts.signature(rng, s.sym), "language": "python"}


def document_symbols(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    symbols, line = [], rng.randint(1, 20)
    for _ in range(rng.randint(2, 5)):
        kind = rng.choice((5, 12, 12, 14))
        name = vocab.class_name(rng) if kind == 5 else vocab.func_name(rng)
        name = name.upper() if kind == 14 else name
        end = line + (rng.randint(3, 40) if kind != 14 else 0)
        symbols.append({"name": name, "kind": kind, "line": line, "end_line": end, "children": []})
        line = end + 2
    return {"success": True, "file_path": s.file, "symbols": symbols, "symbol_count": len(symbols)}


def workspace_symbols(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    n = rng.randint(max(1, at_least), 3)
    symbols = [
        {
            "name": s.query if i == 0 else s.query + rng.choice(("Base", "Error", "Test")),
            "kind": rng.choice((5, 12)),
            "file": s.other_file if i == 0 else vocab.python_file(rng),
            "line": rng.randint(1, 300),
            "container_name": None,
        }
        for i in range(n)
    ]
    return {"success": True, "query": s.query, "symbols": symbols, "symbol_count": n}


def git_status(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    n = rng.randint(max(at_least, 0), 4) if rng.random() > 0.15 or at_least else 0
    files = []
    for file in _files(rng, s, n):
        status = rng.choice(STATUSES)
        files.append(
            {
                "file": file if status != "untracked" else rng.choice(vocab.NOTE_FILES),
                "status": status,
                "staged": status != "untracked" and rng.random() < 0.5,
            }
        )
    return {"success": True, "clean": not files, "file_count": len(files), "files": files}


def git_diff(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    files = [
        {"file": f, "additions": rng.randint(0, 60), "deletions": rng.randint(0, 40)}
        for f in _files(rng, s, rng.randint(1, 3))
    ]
    return {
        "success": True,
        "file_count": len(files),
        "additions": sum(f["additions"] for f in files),
        "deletions": sum(f["deletions"] for f in files),
        "files": files,
    }


def git_log(rng: random.Random, s: Slots, at_least: int = 0) -> Result:
    n = min(s.n, 5)
    commits = [
        {
            "hash": f"{rng.getrandbits(28):07x}",
            "message": texts.commit_message(rng),
            "author": rng.choice(vocab.AUTHORS),
            "date": f"{rng.choice((2025, 2026))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        for _ in range(n)
    ]
    return {"success": True, "commits": commits, "commit_count": n}


# The tools whose results the corpus builds (read_file, write_file and run_command return plain text).
RESULT_TOOLS = (
    "typecheck", "ruff_check", "pytest_run", "goto_definition", "find_references", "hover",
    "document_symbols", "workspace_symbols", "git_status", "git_diff", "git_log",
)  # fmt: skip
BUILDERS: dict[str, Callable[..., Result]] = {name: globals()[name] for name in RESULT_TOOLS}


def build(registry: ToolRegistry, tool: str, rng: random.Random, s: Slots, at_least: int = 0) -> tuple[Result, str]:
    """A schema-valid result of ``tool`` and its rendered repr; raises if the builder drifted from the schema."""
    result = BUILDERS[tool](rng, s, at_least)
    type_name = registry.tools[tool].returns
    assert type_name is not None
    problems = registry.validation_errors(type_name, result)
    if problems:
        raise ValueError(f"corpus result for {tool} breaks {type_name}: {problems}")
    return result, registry.render_repr(type_name, result)
