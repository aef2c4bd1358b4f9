"""Cross-tool intents (2-3 tools in ONE code block) and multi-turn chains (a second tool
called on a value copied from the first tool's result)."""

# ruff: noqa: E501  (phrasing and value tables: one entry per line reads better than wrapped fragments)

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from punie_eval.training.corpus.requests import Intent, fill, lsp
from punie_eval.training.corpus.vocab import Slots
from punie_eval.training.corpus.wording import lower_first

QUALITY3 = """lint = ruff_check("{dir}")
types = typecheck("{dir}")
tests = pytest_run("{testdir}")
print(lint.violation_count, types.error_count)
print(tests.passed, tests.failed)"""

CROSS: tuple[Intent, ...] = (
    Intent(
        "x_quality3",
        ("ruff_check", "typecheck", "pytest_run"),
        (
            "Run lint, type checks and tests on {dir}",
            "Do a full quality pass over {dir}: ruff, mypy and pytest",
            "Check {dir} with the linter and the type checker, and run the test suite too",
            "Is {dir} ready to merge? Lint, typecheck and test it",
            "Run every quality check on {dir}",
            "Lint, type-check and test the project",
            "Run all the checks: lint, types and tests",
            "Health check for {dir}: lint, types and tests",
            "Give {dir} a checkup: run the linter, the type checker and the tests",
            "Lint {dir}, type-check it and run the test suite",
            "I want a quality report for {dir}: ruff, mypy, pytest",
        ),
        lambda s: QUALITY3.format(**vars(s)),
    ),
    Intent(
        "x_lint_types",
        ("ruff_check", "typecheck"),
        (
            "Run both ruff and mypy over {dir}",
            "Check {dir} for lint and type problems",
            "Lint {dir} and check its types",
            "Are there style or typing issues in {dir}?",
            "Run the linter and the type checker on {dir} together",
            "Lint and typecheck {dir}",
            "Type-check and lint {dir} together",
            "Do lint and type checks on {dir} at once",
        ),
        lambda s: (
            f'lint = ruff_check("{s.dir}")\ntypes = typecheck("{s.dir}")\nprint(lint.violation_count, types.error_count)'
        ),
    ),
    Intent(
        "x_types_tests",
        ("typecheck", "pytest_run"),
        (
            "Type-check {dir} and run the tests",
            "Check the types in {dir}, then the tests in {testdir}",
            "Run the type checker on {dir}, then the tests",
            "Are there type errors in {dir}, and do the tests pass?",
            "typecheck {dir} + tests",
            "Type-check {dir} and run {testdir}",
        ),
        lambda s: (
            f'types = typecheck("{s.dir}")\ntests = pytest_run("{s.testdir}")\nprint(types.error_count, tests.passed, tests.failed)'
        ),
    ),
    Intent(
        "x_lint_tests",
        ("ruff_check", "pytest_run"),
        (
            "Lint {dir} and run the test suite",
            "Run ruff on {dir} and pytest on {testdir}",
            "Lint {dir}, then run the tests in {testdir}",
            "Are there lint issues in {dir}, and do the tests pass?",
            "lint {dir} + run tests",
            "Check the style of {dir} and run the test suite",
        ),
        lambda s: (
            f'lint = ruff_check("{s.dir}")\ntests = pytest_run("{s.testdir}")\nprint(lint.violation_count, tests.passed, tests.failed)'
        ),
    ),
    Intent(
        "x_goto_read",
        ("goto_definition", "read_file"),
        (
            "Find where {sym} is defined ({file}, line {line}, col {col}) and print that file",
            "Open the file that defines {sym}; it is used in {file} at line {line}, column {col}",
            "Jump to the definition of {sym} from {file}:{line}:{col} and show me the whole file",
            "Show me the source where {sym} is declared; it's referenced in {file} line {line}, column {col}",
            "Pull up the file that defines {sym} (used at {file}:{line}:{col})",
            "Where is {sym} defined? It's used at {file}:{line}:{col}. Print that whole file",
        ),
        lambda s: (
            f"result = {lsp('goto_definition', s)}\nlocation = result.locations[0]\n"
            "print(location.file, location.line)\nprint(read_file(location.file))"
        ),
    ),
    Intent(
        "x_refs_read",
        ("find_references", "read_file"),
        (
            "Find the usages of {sym} ({file}:{line}:{col}) and print the first file that uses it",
            "List the references to {sym} at {file}:{line}:{col} and open the first file that uses it",
            "Where is {sym} used ({file}, line {line}, column {col})? Print the first referencing file too",
            "Show who uses {sym} (declared in {file} on line {line}, column {col}) and read the first of those files",
        ),
        lambda s: (
            f"result = {lsp('find_references', s)}\nprint(result.reference_count)\n"
            "print(read_file(result.references[0].file))"
        ),
    ),
    Intent(
        "x_status_diff",
        ("git_status", "git_diff"),
        (
            "Show the git status and the diff",
            "Which files changed, and what exactly changed in them?",
            "Give me the repo status plus the unstaged diff",
            "What's modified and what does the diff look like?",
            "git status and git diff, please",
        ),
        lambda s: (
            'status = git_status(".")\nfor item in status.files:\n    print(item.file, item.status, item.staged)\n'
            'diff = git_diff(".")\nprint(diff.additions, diff.deletions)'
        ),
    ),
    Intent(
        "x_hover_refs",
        ("hover", "find_references"),
        (
            "Show the signature of {sym} and all its usages ({file}, line {line}, column {col})",
            "What is {sym} and where is it used? It's at {file}:{line}:{col}",
            "Get the type info and the references of {sym} in {file} at line {line}, col {col}",
            "Tell me the type of {sym} and who uses it ({file}, line {line}, column {col})",
            "About {sym} in {file} at line {line}, col {col}: what is its signature, and where is it referenced?",
            "Hover {sym} at {file}:{line}:{col} and list its references",
            "Show the docs of {sym} plus every call site; it is at {file} line {line}, column {col}",
            "For {sym} ({file}, line {line}, column {col}): its type, then all of its usages",
        ),
        lambda s: (
            f"info = {lsp('hover', s)}\nprint(info.content)\nrefs = {lsp('find_references', s)}\n"
            "print(refs.reference_count)\nfor ref in refs.references:\n    print(ref.file, ref.line)"
        ),
    ),
    Intent(
        "x_symbols_read",
        ("document_symbols", "read_file"),
        (
            "Outline {file} and print its source",
            "Show the symbols of {file} and then its full contents",
            "What does {file} define? Also show me the file",
            "List the symbols in {file}, then print the file",
            "Give me the outline and the full source of {file}",
        ),
        lambda s: (
            f'result = document_symbols("{s.file}")\nfor symbol in result.symbols:\n    print(symbol.name, symbol.kind)\n'
            f'print(read_file("{s.file}"))'
        ),
    ),
    Intent(
        "x_log_diff",
        ("git_log", "git_diff"),
        (
            "Show the {n} latest commits plus my uncommitted diff",
            "What were the last {n} commits, and what have I changed since?",
            "Give me the recent history ({n} commits) and the current diff",
            "Last {n} commits and my current diff",
            "Show git log -{n} and the unstaged diff",
        ),
        lambda s: (
            f'log = git_log(".", count={s.n})\nfor commit in log.commits:\n    print(commit.hash, commit.message)\n'
            'diff = git_diff(".")\nprint(diff.additions, diff.deletions)'
        ),
    ),
    Intent(
        "x_tests_status",
        ("pytest_run", "git_status"),
        (
            "Run the tests and tell me if the repo has uncommitted changes",
            "Do the tests pass, and is my working tree clean?",
            "Test the project and check git for pending changes",
            "Run the tests, then tell me whether the tree is clean",
            "Are the tests passing and is the working copy clean?",
            "Run pytest and check that nothing is left uncommitted",
        ),
        lambda s: (
            'tests = pytest_run("tests/")\nprint(tests.passed, tests.failed)\nstatus = git_status(".")\nprint(status.clean, status.file_count)'
        ),
    ),
    Intent(
        "x_ws_symbols",
        ("workspace_symbols", "document_symbols"),
        (
            "Find {query} in the workspace and outline {file}",
            "Look up {query} across the project and list what {file} defines",
            "Find {query} in the workspace and also outline {file}",
            "Search the workspace for {query}, then outline {file}",
            "Where is {query} in the project? Also list the symbols of {file}",
        ),
        lambda s: (
            f'found = workspace_symbols("{s.query}")\nfor symbol in found.symbols:\n    print(symbol.name, symbol.file)\n'
            f'outline = document_symbols("{s.file}")\nfor symbol in outline.symbols:\n    print(symbol.name, symbol.kind)'
        ),
    ),
    Intent(
        "x_types_read",
        ("typecheck", "read_file"),
        (
            "Type check {file} and print its contents",
            "Check the types of {file} and show me the code",
            "Run the type checker on {file} and display the file",
            "How many type errors does {file} have? Show me its code too",
            "Type-check {file}, then print it",
        ),
        lambda s: f'result = typecheck("{s.file}")\nprint(result.error_count)\nprint(read_file("{s.file}"))',
    ),
    Intent(
        "x_lint_read",
        ("ruff_check", "read_file"),
        (
            "Lint {file} and print the file",
            "Run ruff on {file} and show its source",
            "Check {file} for lint issues and show me the file",
            "Lint {file}, then print it",
            "Give me the lint count for {file} and its source",
        ),
        lambda s: f'result = ruff_check("{s.file}")\nprint(result.violation_count)\nprint(read_file("{s.file}"))',
    ),
    Intent(
        "x_status_log",
        ("git_status", "git_log"),
        (
            "What's the repo status and what were the last {n} commits?",
            "Show uncommitted changes and the {n} latest commits",
            "Is my tree clean, and what are the {n} most recent commits?",
            "Show the repo state plus the {n} latest commits",
            "git status and git log -{n}",
        ),
        lambda s: (
            f'status = git_status(".")\nprint(status.clean, status.file_count)\nlog = git_log(".", count={s.n})\n'
            "for commit in log.commits:\n    print(commit.hash, commit.message)"
        ),
    ),
)


@dataclass(frozen=True)
class Chain:
    """Turn 1 calls ``first``; its result comes back; turn 2 calls ``second`` on a value picked from it."""

    name: str
    first: Intent
    follow_ups: tuple[str, ...]  # appended to the turn-1 request
    second: str
    pick: Callable[[dict[str, Any], Slots], str]  # the value turn 2 copies from the result
    code: Callable[[str], str]
    at_least: int = 1  # minimum items the first result needs for the chain to make sense


def _read(path: str) -> str:
    return f'content = read_file("{path}")\nprint(content)'


def _other_reference(result: dict[str, Any], s: Slots) -> str:
    return str(next(r["file"] for r in result["references"] if r["file"] != s.file))


def _changed_file(result: dict[str, Any], s: Slots) -> str:
    return str(next((f["file"] for f in result["files"] if f["status"] == "modified"), result["files"][0]["file"]))


def chains(intents: dict[str, Intent]) -> tuple[Chain, ...]:
    return (
        Chain(
            "c_refs_read",
            intents["refs"],
            (
                ", then open the other file that calls it",
                ". After that, read the first other file that references it",
                ", and then show me the code of another file using it",
                ", then open one of the other files that use it",
                " and then print another file where it's referenced",
                ". Once you have them, show me a different file that uses it",
                "; after that, read one of the calling files other than the one I mentioned",
            ),
            "read_file",
            _other_reference,
            _read,
        ),
        Chain(
            "c_goto_read",
            intents["goto"],
            (
                ", then print the file it is defined in",
                ". Next, open that file",
                ", and then show me the file that defines it",
                ". Then read the file where it's declared",
                "; once found, print that file",
                ", then pull up the defining file",
            ),
            "read_file",
            lambda r, s: str(r["locations"][0]["file"]),
            _read,
        ),
        Chain(
            "c_types_read",
            intents["tc_list"],
            (
                ", then open the file with the first error",
                ". Afterwards show me the source of the failing file",
                ", then read the file that has the problem",
                ", and then show me the first file with an error",
                ". Once you have the errors, open the file of the first one",
                "; then print the file where the first type error is",
            ),
            "read_file",
            lambda r, s: str(r["errors"][0]["file"]),
            _read,
        ),
        Chain(
            "c_lint_read",
            intents["ruff_list"],
            (
                ", then open the file with the first violation",
                ". After that, print the file that needs fixing",
                ", and then show me the file with the first lint issue",
                ". Then read the file of the first finding",
                "; after that, open the first file it complains about",
            ),
            "read_file",
            lambda r, s: str(r["violations"][0]["file"]),
            _read,
        ),
        Chain(
            "c_tests_read",
            intents["tests_failed"],
            (
                ", then open the test file of the first failure",
                ". Next, read the failing test's file",
                ", and then show me the file of the first failing test",
                ". Then open the test module where the first failure is",
                "; after that, print the first failing test's source file",
            ),
            "read_file",
            lambda r, s: str(r["tests"][0]["name"]).split("::")[0],
            _read,
        ),
        Chain(
            "c_status_diff",
            intents["status"],
            (
                ", then diff whichever file changed",
                ". After that, show the diff of the changed file",
                ", and then show me what changed in that file",
                ", and then diff the modified file",
                ". Then show me the diff for the file that changed",
                "; after that, diff the first modified file",
            ),
            "git_diff",
            _changed_file,
            lambda p: (
                f'result = git_diff("{p}")\nprint(result.additions, result.deletions)\nfor item in result.files:\n    print(item.file, item.additions, item.deletions)'
            ),
        ),
        Chain(
            "c_ws_symbols",
            intents["ws"],
            (
                ", then outline the file it lives in",
                ". After that, list the symbols of the file that contains it",
                ", then show what else that file defines",
                ", and then outline the file where it's defined",
                ". Then show the symbols of the file containing the match",
                "; after that, list everything defined in that file",
            ),
            "document_symbols",
            lambda r, s: str(r["symbols"][0]["file"]),
            lambda p: (
                f'result = document_symbols("{p}")\nprint(result.symbol_count)\nfor symbol in result.symbols:\n    print(symbol.name, symbol.kind, symbol.line)'
            ),
        ),
    )


# Composed two-tool requests: any two single-tool requests joined into one, answered by both
# codes in one block, so "two asks → two calls" is learnt for every pair, not just the CROSS ones.
CONNECTORS = (
    *(" and ", ", then ", ", and also ", "; also ", " plus ", ", after that ", " and then ", "; then "),
    *(" — and ", ". Also, ", ", and ", ". Then ", ", and afterwards ", " & ", ". Next, "),
)
AFTER_QUESTION = (
    *("Also, ", "And ", "Then ", "After that, ", "Plus, ", "Next, "),
    *("On top of that, ", "Separately, ", "While you're at it, ", "And also "),
)
TOGETHER = (" in one go", " together", " at the same time", " in a single step")
RESULT_NAMES = {
    "typecheck": "types",
    "ruff_check": "lint",
    "pytest_run": "tests",
    "git_status": "status",
    "git_diff": "diff",
    "git_log": "log",
    "goto_definition": "definition",
    "find_references": "refs",
    "hover": "info",
    "document_symbols": "outline",
    "workspace_symbols": "found",
    "read_file": "content",
}


def _positional(template: str) -> bool:
    return "{line}" in template


def compose(rng: random.Random, first: Intent, second: Intent, s: Slots) -> tuple[str, str] | None:
    """(request, code) asking for ``first`` then ``second``; None when ``second`` has no template
    that fits after the first (at most one symbol position per request, no question after a command)."""
    template_a = rng.choice(first.templates)
    question = template_a.endswith("?")
    fits = [
        t
        for t in second.templates
        if not (_positional(t) and _positional(template_a)) and (question or not t.endswith("?"))
    ]
    if not fits:
        return None
    (a, slots_a), (b, slots_b) = fill(first, template_a, s), fill(second, rng.choice(fits), s)
    a = a.removesuffix(".")  # "... column 4. Position: ..." joins on as "column 4, then ..."
    if question:
        request = f"{a} {rng.choice(AFTER_QUESTION)}{lower_first(b)}"
    else:
        request = f"{a}{rng.choice(CONNECTORS)}{lower_first(b)}"
        if not b.endswith("?") and rng.random() < 0.2:
            request += rng.choice(TOGETHER)
    code = "\n".join(
        re.sub(r"\bresult\b", RESULT_NAMES[intent.tools[0]], intent.code(slots))
        for intent, slots in ((first, slots_a), (second, slots_b))
    )
    return request, code
