"""Single-tool intents: many phrasings of one request, and the code that answers it.

The code an intent emits is fixed per intent (only slot values vary), so a small model learns
"this kind of request reads these fields" instead of a coin flip between code shapes.
Phrasings deliberately avoid the wording of the evaluation suite (see ``audit.leakage``).
"""

# ruff: noqa: E501  (phrasing and value tables: one entry per line reads better than wrapped fragments)

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from punie_eval.training.corpus.vocab import Slots

Code = Callable[[Slots], str]


@dataclass(frozen=True)
class Intent:
    name: str
    tools: tuple[str, ...]
    templates: tuple[str, ...]
    code: Code
    default_dir: str = "src/"  # used when a template names no {dir}
    default_testdir: str = "tests/"


def fill(intent: Intent, template: str, s: Slots) -> tuple[str, Slots]:
    """The request text and the slots the code must use (defaults when the text names none)."""
    if "{dir}" not in template:
        s = replace(s, dir=s.file if "{file}" in template else intent.default_dir)
    if "{testdir}" not in template:
        s = replace(s, testdir=intent.default_testdir)
    return template.format(**vars(s)), s


def lsp(tool: str, s: Slots) -> str:
    return f'{tool}("{s.file}", {s.line}, {s.col}, "{s.sym}")'


def positioned(questions: tuple[str, ...], commands: tuple[str, ...], clauses: tuple[str, ...]) -> tuple[str, ...]:
    """Every LSP ask joined with every position clause. The clauses are shared between tools
    ("defined at" follows a references question as often as a definition one), so the tool must
    follow from the ask, not from the wording around the position."""
    out: list[str] = []
    for clause in clauses:
        inline = clause.startswith((" ", ","))
        out += [f"{q}{clause}?" if inline else f"{q}? {clause}." for q in questions]
        out += [f"{c}{clause}" if inline else f"{c}. {clause}" for c in commands]
        if clause.startswith(" ("):  # the position first: "For X (file, line 3, column 4): where is it used?"
            out += [f"For {{sym}}{clause}: {_it(q)}?" for q in questions]
            out += [f"For {{sym}}{clause}: {_it(c)}" for c in commands]
    return tuple(out)


def _it(ask: str) -> str:
    """The ask with the symbol it follows referred to as "it", lower-cased: "where is it used"."""
    return (ask[0].lower() + ask[1:]).replace("{sym}", "it")


# Where the symbol is: inline (start with a space or comma) or a sentence of its own.
_NEUTRAL_AT = (
    " ({file}, line {line}, column {col})",
    " at {file}:{line}:{col}",
    " in {file} on line {line}, column {col}",
    "Position: {file}, line {line}, column {col}",
)
USE_SITE = (
    *_NEUTRAL_AT,
    ", used in {file} at line {line}, col {col}",
    ", called from {file} line {line}, column {col}",
    "It is used at {file} line {line}, column {col}",
    "I see it called in {file} on line {line}, column {col}",
    "The call is at {file}:{line}:{col}",
)
DEFINITION_SITE = (
    *_NEUTRAL_AT,
    ", defined in {file} on line {line}, column {col}",
    ", declared at {file} line {line}, col {col}",
    "It is defined at {file} line {line}, column {col}",
    "The definition sits in {file} on line {line}, column {col}",
    "It's declared at {file}:{line}:{col}",
)


TC_LIST = """result = typecheck("{dir}")
print(result.error_count)
for error in result.errors:
    print(error.file, error.line, error.message)"""
RUFF_LIST = """result = ruff_check("{dir}")
print(result.violation_count)
for violation in result.violations:
    print(violation.file, violation.line, violation.code, violation.message)"""
RUFF_FIXABLE = """result = ruff_check("{dir}")
for violation in result.violations:
    print(violation.file, violation.line, violation.code, violation.fixable)"""
TESTS_FAILED = """result = pytest_run("{testdir}")
print(result.failed)
for test in result.tests:
    if test.outcome == "failed":
        print(test.name, test.message)"""
STATUS_LIST = """result = git_status("{dir}")
print(result.clean, result.file_count)
for item in result.files:
    print(item.file, item.status, item.staged)"""
DIFF_LIST = """result = git_diff("{dir}"{staged})
print(result.file_count, result.additions, result.deletions)
for item in result.files:
    print(item.file, item.additions, item.deletions)"""


def _fmt(template: str, **extra: str) -> Code:
    return lambda s: template.format(**vars(s), **extra)


INTENTS: tuple[Intent, ...] = (
    # ── typecheck ──────────────────────────────────────────────────────────────
    Intent(
        "tc_list",
        ("typecheck",),
        (
            "Type-check {dir}",
            "Run the type checker over {dir}",
            "Are there any type errors in {dir}?",
            "Look for typing problems in {dir}",
            "Verify the type annotations in {dir}",
            "Do a type check of {dir}",
            "Show me the type errors under {dir}",
            "Check {dir} for type errors",
            "Typecheck the code in {dir}",
            "Any mypy complaints in {dir}?",
            "Report the type errors in {dir}",
            "Run a static type check on {dir}",
            "Type check the project",
            "Are the type hints in this project consistent?",
            "Run the type checker",
            "Check the typing of {file}",
            "Validate the types in {file}",
            "Run type checks on {dir}",
            "Type-check the code under {dir}",
            "Check the types of everything in {dir}",
            "Are the annotations in {file} correct?",
            "Type-check the directory {dir}",
            "What is wrong with the types in {dir}?",
        ),
        _fmt(TC_LIST),
    ),
    Intent(
        "tc_count",
        ("typecheck",),
        (
            "How many type errors does {dir} have?",
            "Count the type errors in {dir}",
            "Give me the number of type errors in {dir}",
            "What's the type error count for {dir}?",
            "Number of mypy errors in {dir}, please",
            "How many typing errors are left in {dir}?",
            "Tell me only how many type errors {file} has",
            "Count only the type errors in {dir}, ignoring warnings",
            "How many errors does the type checker report for {dir}? Leave out the warnings",
            "Errors only, no warnings: how many type errors are in {dir}?",
            "Print just the type error count for {dir}",
        ),
        _fmt('result = typecheck("{dir}")\nprint(result.error_count)'),
    ),
    Intent(
        "tc_pass",
        ("typecheck",),
        (
            "Does {dir} pass type checking?",
            "Is {dir} free of type errors?",
            "Is the code in {dir} type-clean?",
            "Would {dir} pass a strict type check?",
        ),
        _fmt('result = typecheck("{dir}")\nprint(result.success, result.error_count)'),
    ),
    Intent(
        "tc_warnings",
        ("typecheck",),
        (
            "How many type warnings and errors are in {dir}?",
            "Give me both the error and warning counts from type checking {dir}",
        ),
        _fmt('result = typecheck("{dir}")\nprint(result.error_count, result.warning_count)'),
    ),
    Intent(
        "tc_files",
        ("typecheck",),
        (
            "Which files in {dir} have type errors?",
            "List the files under {dir} that fail type checking",
        ),
        _fmt(
            'result = typecheck("{dir}")\nfiles = sorted({{error.file for error in result.errors}})\nprint(result.error_count, files)'
        ),
    ),
    # ── ruff_check ─────────────────────────────────────────────────────────────
    Intent(
        "ruff_list",
        ("ruff_check",),
        (
            "Lint {dir}",
            "Run the linter on {dir}",
            "Check {dir} for style problems",
            "Are there lint issues in {dir}?",
            "Show me the lint violations in {dir}",
            "Find code style issues under {dir}",
            "Lint the code in {dir}",
            "Do a lint pass over {dir}",
            "What does the linter say about {dir}?",
            "Lint everything under src",
            "Lint the whole project",
            "Check code quality with the linter",
            "Run a lint check",
            "Lint {file}",
            "Any linting errors in {file}?",
            "Lint the source code",
            "Lint the source tree",
            "Run the linter on the source folder",
            "Lint all the source files",
            "Style-check {dir} with the linter",
            "Lint check {file}",
            "Run the linter on the {dir} directory",
        ),
        _fmt(RUFF_LIST),
    ),
    Intent(
        "ruff_fixable",
        ("ruff_check",),
        (
            "Which lint violations in {dir} are auto-fixable?",
            "Show the ruff violations in {dir} and mark the fixable ones",
            "List the lint problems in {dir} together with their fixable flag",
            "Which of the lint issues in {dir} can be fixed automatically?",
            "For each lint issue in {dir}, tell me if it is fixable",
            "Which lint problems in {dir} can ruff fix on its own?",
            "Lint {dir} and flag the violations that are auto-fixable",
            "Run ruff over {dir} and show, for every issue, whether it can be fixed automatically",
            "Lint {dir}; for every violation say if it can be auto-fixed",
            "List the lint violations in {dir} and whether each one is fixable",
            "Lint {dir} and mark which findings ruff can repair by itself",
        ),
        _fmt(RUFF_FIXABLE),
    ),
    Intent(
        "ruff_count",
        ("ruff_check",),
        (
            "How many lint violations does {dir} have?",
            "Count the lint issues in {dir} and how many are fixable",
            "What's the violation count for {dir}?",
        ),
        _fmt('result = ruff_check("{dir}")\nprint(result.violation_count, result.fixable_count)'),
    ),
    Intent(
        "ruff_codes",
        ("ruff_check",),
        (
            "Which lint rule codes are triggered in {dir}?",
            "What ruff codes show up in {dir}?",
        ),
        _fmt(
            'result = ruff_check("{dir}")\ncodes = sorted({{violation.code for violation in result.violations}})\nprint(result.violation_count, codes)'
        ),
    ),
    # ── pytest_run ─────────────────────────────────────────────────────────────
    Intent(
        "tests_run",
        ("pytest_run",),
        (
            "Run the tests",
            "Run the test suite",
            "Run the tests in {testdir}",
            "Test the project",
            "Execute the tests in {testdir}",
            "Kick off the unit tests",
            "Run all tests and report back",
            "Are the tests green?",
            "Do the tests in {testdir} pass?",
            "Check whether the tests pass",
            "Is anything broken?",
            "Does everything still pass?",
            "Make sure nothing is broken",
            "Run {testdir}",
            "Launch the test run for {testdir}",
            "Is the build healthy?",
            "Is everything still working?",
            "Does the code still work after my changes?",
            "Did I break anything?",
            "Is the project still working?",
            "Everything still OK?",
            "Run the unit tests in {testdir}",
            "Execute the tests",
            "Are things broken?",
            "Does it all still work?",
            "Still green?",
            "Is the code healthy?",
            "Are we good?",
            "Did my change break something?",
            "Is the suite passing?",
            "Is it all OK now?",
            "Does the project still run fine?",
        ),
        _fmt('result = pytest_run("{testdir}")\nprint(result.success, result.passed, result.failed)'),
    ),
    Intent(
        "tests_failed",
        ("pytest_run",),
        (
            "Which tests fail in {testdir}?",
            "Show me the failing tests",
            "List the failed tests in {testdir} with their messages",
            "What tests are broken in {testdir}?",
            "Why are the tests failing?",
        ),
        _fmt(TESTS_FAILED),
    ),
    Intent(
        "tests_counts",
        ("pytest_run",),
        (
            "How many tests pass and fail in {testdir}?",
            "Give me the pass/fail counts for {testdir}",
            "Count passing and failing tests",
            "How many tests passed?",
            "How many of the tests in {testdir} are failing?",
            "Run the tests in {testdir} and report the passed and failed counts",
            "Run {testdir} and count passed versus failed tests",
        ),
        _fmt('result = pytest_run("{testdir}")\nprint(result.passed, result.failed)'),
    ),
    Intent(
        "tests_duration",
        ("pytest_run",),
        (
            "How long do the tests in {testdir} take?",
            "Time the test run for {testdir}",
        ),
        _fmt('result = pytest_run("{testdir}")\nprint(result.duration, result.passed, result.failed)'),
    ),
    # ── goto_definition ────────────────────────────────────────────────────────
    Intent(
        "goto",
        ("goto_definition",),
        (
            "Where is {sym} defined? It's referenced in {file} at line {line}, column {col}",
            "Jump to the definition of {sym} from {file}:{line}:{col}",
            "Find the definition of {sym} ({file}, line {line}, col {col})",
            "Locate where {sym} is declared; I'm looking at {file} line {line} column {col}",
            "Take me to the definition of {sym} used in {file} on line {line} at column {col}",
            "Where does {sym} come from? See {file}, line {line}, column {col}",
            "Which file defines {sym}? It appears at {file} line {line}, column {col}",
            "Show me where {sym} is defined (used in {file} on line {line}, column {col})",
            "Definition of {sym}? Called from {file} line {line}, column {col}",
            "I need the declaration of {sym}, which is called in {file} at line {line}, column {col}",
            "Resolve the definition of {sym} at {file}:{line}:{col}",
            "Where does {sym} live? I see it used in {file} at line {line}, column {col}",
            *positioned(
                (
                    "Where is {sym} defined",
                    "Which module defines {sym}",
                    "Where can I find the definition of {sym}",
                    "In which file is {sym} declared",
                    "What is the definition site of {sym}",
                ),
                (
                    "Navigate to the definition of {sym}",
                    "Open the definition of {sym}",
                    "Locate the declaration of {sym}",
                    "Show the definition of {sym}",
                    "Resolve {sym} to where it is defined",
                ),
                USE_SITE,
            ),
        ),
        lambda s: (
            f"result = {lsp('goto_definition', s)}\nfor location in result.locations:\n    print(location.file, location.line)"
        ),
    ),
    # ── find_references ────────────────────────────────────────────────────────
    Intent(
        "refs",
        ("find_references",),
        (
            "Find every usage of {sym} ({file}, line {line}, column {col})",
            "Where is {sym} used? It's declared in {file} at line {line}, column {col}",
            "Show all the places that reference {sym}: {file}:{line}:{col}",
            "List the references of {sym} in {file} at line {line}, col {col}",
            "Who calls {sym}? Defined in {file} on line {line}, column {col}",
            "Find usages of {sym} declared at {file} line {line} column {col}",
            "Which code uses {sym} from {file}:{line}:{col}?",
            "Show references for {sym} ({file} line {line}, column {col})",
            "Give me every reference to {sym}, declared at {file}:{line}:{col}",
            "References of {sym} at {file}, line {line}, column {col}?",
            *positioned(
                (
                    "Where is {sym} used",
                    "Who depends on {sym}",
                    "Which places call {sym}",
                    "What code references {sym}",
                    "Where else does {sym} appear",
                ),
                (
                    "Find all references to {sym}",
                    "List every usage of {sym}",
                    "Show the call sites of {sym}",
                    "Find the callers of {sym}",
                    "Track down each use of {sym}",
                ),
                DEFINITION_SITE,
            ),
        ),
        lambda s: (
            f"result = {lsp('find_references', s)}\nprint(result.reference_count)\n"
            "for ref in result.references:\n    print(ref.file, ref.line)"
        ),
    ),
    Intent(
        "refs_count",
        ("find_references",),
        (
            "How many references does {sym} have? ({file}, line {line}, col {col})",
            "Count the usages of {sym} defined in {file} at line {line}, column {col}",
            "How often is {sym} used? It sits at {file}:{line}:{col}",
            "How many times is {sym} used? See {file}:{line}:{col}",
            *positioned(
                (
                    "How many call sites does {sym} have",
                    "How often is {sym} referenced",
                    "What is the reference count of {sym}",
                ),
                ("Count the references to {sym}", "Count how many places use {sym}"),
                DEFINITION_SITE,
            ),
        ),
        lambda s: f"result = {lsp('find_references', s)}\nprint(result.reference_count)",
    ),
    Intent(
        "refs_files",
        ("find_references",),
        (
            "Which files use {sym}? It is defined at {file}:{line}:{col}",
            "List the files that reference {sym} ({file}, line {line}, column {col})",
        ),
        lambda s: (
            f"result = {lsp('find_references', s)}\nfiles = sorted({{ref.file for ref in result.references}})\nprint(files)"
        ),
    ),
    # ── hover ──────────────────────────────────────────────────────────────────
    Intent(
        "hover",
        ("hover",),
        (
            "What's the type of {sym} at {file} line {line}, column {col}?",
            "Hover over {sym} in {file} at {line}:{col}",
            "Show the signature of {sym} ({file}, line {line}, col {col})",
            "Get the docs for {sym} at {file}:{line}:{col}",
            "What does {sym} look like? It's in {file} at line {line}, column {col}",
            "Give me the type info for {sym} in {file}, line {line}, column {col}",
            "Show the docstring of {sym} at {file} line {line} col {col}",
            "Give me hover info for {sym} ({file}, line {line}, col {col})",
            "Hover info for {sym} in {file}, line {line}, column {col}",
            "Type signature of {sym} at {file} line {line} col {col}?",
            "What type information is there for {sym} at {file}:{line}:{col}?",
            "What would the editor show when hovering {sym} in {file} at line {line}, column {col}?",
            *positioned(
                (
                    "What is the type of {sym}",
                    "What does {sym} accept and return",
                    "What does the docstring of {sym} say",
                ),
                (
                    "Show the type signature of {sym}",
                    "Hover over {sym}",
                    "Display the documentation of {sym}",
                ),
                DEFINITION_SITE,
            ),
        ),
        lambda s: f"result = {lsp('hover', s)}\nprint(result.content)",
    ),
    # ── document_symbols ───────────────────────────────────────────────────────
    Intent(
        "docsyms",
        ("document_symbols",),
        (
            "What symbols does {file} define?",
            "Show the outline of {file}",
            "List the functions and classes in {file}",
            "Give me the document symbols for {file}",
            "What's defined in {file}?",
            "Outline {file}",
            "Summarise the structure of {file}",
            "Which names are declared in {file}?",
            "Enumerate the symbols of {file}",
            "Show me the symbols that {file} declares",
            "Give an overview of the symbols in {file}",
        ),
        lambda s: (
            f'result = document_symbols("{s.file}")\nprint(result.symbol_count)\n'
            "for symbol in result.symbols:\n    print(symbol.name, symbol.kind, symbol.line)"
        ),
    ),
    Intent(
        "docsyms_count",
        ("document_symbols",),
        (
            "How many symbols are defined in {file}?",
            "Give me the symbol count of {file}",
            "How many top-level definitions does {file} have?",
            "Number of symbols in {file}?",
        ),
        lambda s: f'result = document_symbols("{s.file}")\nprint(result.symbol_count)',
    ),
    Intent(
        "docsyms_classes",
        ("document_symbols",),
        (
            "Which classes are in {file}?",
            "List only the classes defined in {file}",
        ),
        lambda s: (
            f'result = document_symbols("{s.file}")\nclasses = [symbol.name for symbol in result.symbols if symbol.kind == 5]\nprint(classes)'
        ),
    ),
    Intent(
        "docsyms_functions",
        ("document_symbols",),
        (
            "Which functions does {file} define?",
            "List the functions in {file}",
        ),
        lambda s: (
            f'result = document_symbols("{s.file}")\nfunctions = [symbol.name for symbol in result.symbols if symbol.kind == 12]\nprint(functions)'
        ),
    ),
    # ── workspace_symbols ──────────────────────────────────────────────────────
    Intent(
        "ws",
        ("workspace_symbols",),
        (
            "Find the class {query} anywhere in the project",
            "Look up {query} in the workspace symbols",
            "Where in the project is something called {query}?",
            "Search all files for symbols named {query}",
            "Is there a symbol called {query} in the codebase?",
            "Find {query} across the workspace",
            "Query the workspace for {query}",
            "Which module defines the class {query}?",
            "Which files contain symbols matching {query}? Show the file for each match",
            "Search the codebase for a class called {query}",
            "Look for a function or class named {query} in the repo",
            "Search the project for {query}",
            "Workspace search: {query}",
            "Find classes called {query} in the workspace",
        ),
        lambda s: (
            f'result = workspace_symbols("{s.query}")\nprint(result.symbol_count)\n'
            "for symbol in result.symbols:\n    print(symbol.name, symbol.file, symbol.line)"
        ),
    ),
    # ── git_status ─────────────────────────────────────────────────────────────
    Intent(
        "status",
        ("git_status",),
        (
            "What's the git status?",
            "Give me the repo status",
            "Which files have I modified?",
            "What changed in my working copy?",
            "Show me the status of the repository",
            "git status",
            "Run git status",
            "Run git status and show the output",
            "Are there uncommitted changes in the repo?",
            "Any pending changes I haven't committed?",
            "Do I have unsaved work in git?",
            "What's modified right now?",
            "Status of the repo, please",
            "Show me what's modified or untracked",
            "Have I left anything uncommitted?",
            "Tell me the state of the repository",
            "Have I forgotten to commit something?",
            "Is any of my work still uncommitted?",
            "Look for uncommitted edits in the working copy",
            "Does the working tree have anything uncommitted?",
            "Scan the repo for changes I haven't committed yet",
            "Is there uncommitted work in this checkout?",
            "Is everything committed?",
            "Did I commit all of my changes?",
            "Is there anything I haven't committed yet?",
            "Anything left to commit?",
            "Which files are dirty in the working tree?",
            "Have I got local changes?",
            "How does my checkout look right now?",
            "Is the working copy dirty?",
            "What's the current state of the checkout?",
            "List the changed files in the working tree",
            "Check the repo for pending changes",
            "Which files differ from the last commit?",
            "Display the status of the repository",
            "Show me the repo's status",
            "Print the working tree status",
            "Show which files git considers changed",
        ),
        _fmt(STATUS_LIST),
        default_dir=".",
    ),
    Intent(
        "status_staged",
        ("git_status",),
        (
            "What's staged right now?",
            "List the files in the staging area",
            "Which files have I staged?",
            "Which files will go into the next commit?",
            "Show the staged files",
            "Which files are already staged?",
        ),
        _fmt(
            'result = git_status("{dir}")\nstaged = [item.file for item in result.files if item.staged]\nprint(staged)'
        ),
        default_dir=".",
    ),
    Intent(
        "status_clean",
        ("git_status",),
        (
            "Is my working tree clean?",
            "Is the repository clean?",
            "Is there anything to commit?",
            "Do I have a clean checkout?",
        ),
        _fmt('result = git_status("{dir}")\nprint(result.clean, result.file_count)'),
        default_dir=".",
    ),
    Intent(
        "status_untracked",
        ("git_status",),
        (
            "Which files are untracked?",
            "List the untracked files in the repo",
        ),
        _fmt(
            'result = git_status("{dir}")\nuntracked = [item.file for item in result.files if item.status == "untracked"]\nprint(untracked)'
        ),
        default_dir=".",
    ),
    # ── git_diff ───────────────────────────────────────────────────────────────
    Intent(
        "diff",
        ("git_diff",),
        (
            "Show my unstaged changes",
            "What have I changed since the last commit?",
            "Show me the diff",
            "What's in the working diff?",
            "Show the diff for {dir}",
            "What did I change in {dir}?",
            "git diff {dir}",
            "Run git diff",
            "Run git diff for {dir} and show the output",
            "Diff the working tree",
            "What are my current code changes?",
            "Show the line-by-line changes in {dir}",
            "Print the diff of my edits",
            "Compare my working copy against HEAD",
            "Show the patch for my current edits",
        ),
        _fmt(DIFF_LIST, staged=""),
        default_dir=".",
    ),
    Intent(
        "diff_staged",
        ("git_diff",),
        (
            "Show the staged diff",
            "What's in the staged changes?",
            "Diff what I've staged for commit",
            "git diff --staged",
            "Show the staged changes in {dir}",
        ),
        _fmt(DIFF_LIST, staged=", staged=True"),
        default_dir=".",
    ),
    Intent(
        "diff_counts",
        ("git_diff",),
        (
            "How many lines did I add and remove?",
            "Give me the added and deleted line counts of my working changes",
            "How big is my current diff in lines?",
            "Count the additions and deletions in {dir}",
        ),
        _fmt('result = git_diff("{dir}")\nprint(result.additions, result.deletions)'),
        default_dir=".",
    ),
    # ── git_log ────────────────────────────────────────────────────────────────
    Intent(
        "log_n",
        ("git_log",),
        (
            "List the {n} most recent commits",
            "What were the last {n} commits?",
            "Give me the latest {n} commits",
            "git log -{n}",
            "Run git log -n {n}",
            "Display the {n} newest commits",
            "What are the {n} latest commit messages?",
            "Show the {n} latest commits",
            "Print the most recent {n} commits",
            "Last {n} commits, please",
        ),
        lambda s: (
            f'result = git_log(".", count={s.n})\nfor commit in result.commits:\n    print(commit.hash, commit.message)'
        ),
    ),
    Intent(
        "log",
        ("git_log",),
        (
            "Show me the commit history",
            "What has been committed recently?",
            "git log",
            "Run git log",
            "What happened in the repo lately?",
            "Who committed what recently?",
            "Show the recent history",
        ),
        lambda s: (
            'result = git_log(".")\nfor commit in result.commits:\n    print(commit.hash, commit.author, commit.message)'
        ),
    ),
    Intent(
        "log_count",
        ("git_log",),
        (
            "How many commits are in the log?",
            "Count the recent commits",
            "How many commits does the history show?",
        ),
        lambda s: 'result = git_log(".")\nprint(result.commit_count)',
    ),
    # ── read_file / write_file ─────────────────────────────────────────────────
    Intent(
        "read",
        ("read_file",),
        (
            "Open {file}",
            "Show me the contents of {file}",
            "Print {file}",
            "What's inside {file}?",
            "cat {file}",
            "Read {file}",
            "Display {file}",
            "Let me see the source of {file}",
            "Show the code in {file}",
            "Run cat {file}",
            "Dump the contents of {file}",
        ),
        lambda s: f'content = read_file("{s.file}")\nprint(content)',
    ),
)

# Shell-tempting wording: the request names a CLI (mypy, ruff, pytest, git, cat) or a shell,
# and the answer is still the typed tool, never run_command.
IDENTITY: tuple[Intent, ...] = (
    Intent(
        "id_mypy",
        ("typecheck",),
        (
            "Run mypy against {dir}",
            "mypy {dir}",
            "Use mypy to check {dir}",
            "Execute mypy for {dir} and show the errors",
            "From the terminal, run mypy over {dir}",
            "Open a shell and type-check {dir} with mypy",
            "Invoke mypy for {dir}",
            "mypy --strict {dir}, what does it say?",
            "Run pyright on {dir}",
        ),
        _fmt(TC_LIST),
    ),
    Intent(
        "id_ruff",
        ("ruff_check",),
        (
            "ruff check {dir}",
            "Run ruff against {dir}",
            "Use ruff to lint {dir}",
            "Run `ruff check {dir}` and give me its report",
            "In the terminal, run ruff over {dir}",
            "Shell out to ruff for {dir}",
            "Run flake8 on {dir}",
            "Invoke ruff for {dir}",
        ),
        _fmt(RUFF_LIST),
    ),
    Intent(
        "id_pytest",
        ("pytest_run",),
        (
            "pytest {testdir}",
            "Run pytest on {testdir}",
            "Execute python -m pytest {testdir} and report the result",
            "Use the shell to run pytest {testdir}",
            "Invoke pytest for {testdir}",
            "Run `pytest -q {testdir}`",
            "Launch pytest in a terminal for {testdir}",
            "Run pytest {testdir} and say if it passes",
        ),
        _fmt('result = pytest_run("{testdir}")\nprint(result.success, result.passed, result.failed)'),
    ),
    Intent(
        "id_git_status",
        ("git_status",),
        (
            "Run `git status` in a shell",
            "Open a terminal and run git status",
            "git status --short",
            "Type git status for me and show what it prints",
        ),
        _fmt(STATUS_LIST),
        default_dir=".",
    ),
    Intent(
        "id_git_diff",
        ("git_diff",),
        (
            "Run `git diff {dir}` in the terminal",
            "Shell: git diff",
            "Use git diff to see my edits in {dir}",
        ),
        _fmt(DIFF_LIST, staged=""),
        default_dir=".",
    ),
    Intent(
        "id_git_log",
        ("git_log",),
        (
            "Run `git log -n {n}` in a shell",
            "git log --oneline -{n}",
            "Use git log to list {n} commits",
        ),
        lambda s: (
            f'result = git_log(".", count={s.n})\nfor commit in result.commits:\n    print(commit.hash, commit.message)'
        ),
    ),
)
