"""Turn-2 prose: what the assistant says about a tool result it was given.

Each summary names the result's counts and the files, codes, messages and names in it, in a
fixed layout per tool, so the model learns to copy values out of a ``<tool_response>``.
"""

# ruff: noqa: E501  (phrasing and value tables: one entry per line reads better than wrapped fragments)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from punie_eval.training.corpus.results import KIND_NAMES, RESULT_TOOLS, Result

# How users ask for the turn-2 prose up front: appended to half the multi-turn summary requests.
ASK_AFTER_COMMAND = (
    " and summarise the result",
    ", then give me a short summary",
    " and tell me what you find",
    " and explain what it shows",
    " and sum it up for me",
    ", then report back in a few lines",
    " and give me the gist",
)
ASK_AFTER_QUESTION = (
    " Summarise it for me.",
    " Give me a short summary.",
    " Tell me what you find.",
    " Explain the outcome briefly.",
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def typecheck(r: Result, path: str) -> str:
    head = (
        f"Type checking {path} found {_plural(r['error_count'], 'error')} and {_plural(r['warning_count'], 'warning')}"
    )
    if not r["errors"]:
        return head + ". The code is type-clean."
    lines = [f"- {e['file']}:{e['line']} [{e['code']}] ({e['severity']}) {e['message']}" for e in r["errors"]]
    return head + ":\n" + "\n".join(lines)


def ruff_check(r: Result, path: str) -> str:
    if not r["violations"]:
        return f"Ruff found no violations in {path}: the code is lint-clean."
    head = f"Ruff found {_plural(r['violation_count'], 'violation')} in {path}, {r['fixable_count']} of them fixable automatically"
    lines = [
        f"- {v['file']}:{v['line']} {v['code']} {v['message']}" + (" (fixable)" if v["fixable"] else " (manual fix)")
        for v in r["violations"]
    ]
    return head + ":\n" + "\n".join(lines)


def pytest_run(r: Result, path: str) -> str:
    head = (
        f"{r['passed']} tests passed, {r['failed']} failed, {r['errors']} errors and {r['skipped']} skipped "
        f"in {r['duration']} seconds"
    )
    if not r["tests"]:
        return head + ". Everything is green."
    return head + ":\n" + "\n".join(f"- {t['name']} {t['outcome']}: {t['message']}" for t in r["tests"])


def goto_definition(r: Result, path: str) -> str:
    loc = r["locations"][0]
    return f"{r['symbol']} is defined in {loc['file']} at line {loc['line']}: `{loc['preview']}`."


def find_references(r: Result, path: str) -> str:
    files = sorted({ref["file"] for ref in r["references"]})
    lines = "\n".join(f"- {ref['file']}:{ref['line']}" for ref in r["references"])
    return f"{r['symbol']} has {_plural(r['reference_count'], 'reference')} in {_plural(len(files), 'file')}:\n{lines}"


def hover(r: Result, path: str) -> str:
    return f"{r['symbol']} has the signature `{r['content']}` ({r['language']})."


def document_symbols(r: Result, path: str) -> str:
    lines = [
        f"- {sym['name']} ({KIND_NAMES.get(sym['kind'], 'symbol')}, lines {sym['line']}-{sym['end_line']})"
        for sym in r["symbols"]
    ]
    return f"{r['file_path']} defines {_plural(r['symbol_count'], 'symbol')}:\n" + "\n".join(lines)


def workspace_symbols(r: Result, path: str) -> str:
    lines = [
        f"- {sym['name']} ({KIND_NAMES.get(sym['kind'], 'symbol')}) in {sym['file']} at line {sym['line']}"
        for sym in r["symbols"]
    ]
    return f"Found {_plural(r['symbol_count'], 'symbol')} matching {r['query']}:\n" + "\n".join(lines)


def git_status(r: Result, path: str) -> str:
    if r["clean"]:
        return "The working tree is clean: 0 changed files, nothing to commit."
    lines = [f"- {f['file']}: {f['status']}, {'staged' if f['staged'] else 'not staged'}" for f in r["files"]]
    return f"The working tree is not clean: {_plural(r['file_count'], 'changed file')}.\n" + "\n".join(lines)


def git_diff(r: Result, path: str) -> str:
    lines = [f"- {f['file']}: +{f['additions']} -{f['deletions']}" for f in r["files"]]
    head = (
        f"The diff touches {_plural(r['file_count'], 'file')} with {r['additions']} additions "
        f"and {r['deletions']} deletions"
    )
    return head + ":\n" + "\n".join(lines)


def git_log(r: Result, path: str) -> str:
    lines = [f"- {c['hash']} {c['message']} ({c['author']}, {c['date']})" for c in r["commits"]]
    return f"The last {_plural(r['commit_count'], 'commit')}:\n" + "\n".join(lines)


SUMMARIES: dict[str, Callable[[Any, str], str]] = {name: globals()[name] for name in RESULT_TOOLS}
