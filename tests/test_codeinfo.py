"""analyze_code: tool call sites and type-tracked field reads."""

from __future__ import annotations

import pytest

from punie_eval.registry import load_registry
from punie_eval.scoring.codeinfo import analyze_code

REGISTRY = load_registry()


def reads(code: str) -> list[tuple[str, str, bool]]:
    """(tool, path, valid) of every field read in code."""
    return [(r.tool, r.path, r.valid) for r in analyze_code(code, REGISTRY).field_reads]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('r = typecheck("src")\nprint(r.error_count)', [("typecheck", "error_count", True)]),
        ('print(typecheck("src/").error_count)', [("typecheck", "error_count", True)]),
        ('r: TypeCheckResult = typecheck("src")\nr.success', [("typecheck", "success", True)]),
        ('if (s := git_status(".")).clean:\n    pass', [("git_status", "clean", True)]),
        (
            'a, b = git_diff("."), git_log(".")\na.additions\nb.commit_count',
            [
                ("git_diff", "additions", True),
                ("git_log", "commit_count", True),
            ],
        ),
        ('r = ruff_check(".")\nprint(f"{r.violation_count}")', [("ruff_check", "violation_count", True)]),
    ],
    ids=["assign", "inline", "annotated", "walrus", "tuple-unpack", "f-string"],
)
def test_codeinfo_result_bindings(code: str, expected: list[tuple[str, str, bool]]) -> None:
    """Every way of holding a tool result makes its attribute reads field reads."""
    assert reads(code) == expected


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ('r = git_status(".")\nfor f in r.files:\n    f.staged', "files.staged"),
        ('r = goto_definition("a.py", 1, 2, "x")\nr.locations[0].file', "locations.file"),
        ('r = ruff_check(".")\n[v.code for v in r.violations if v.fixable]', "violations.fixable"),
        ('r = ruff_check(".")\nsum(1 for v in r.violations if v.fixable)', "violations.fixable"),
        ('r = git_status(".")\nfor i, f in enumerate(r.files):\n    f.staged', "files.staged"),
        ('r = git_log(".")\nfor c in sorted(r.commits, key=lambda c: c.date):\n    c.hash', "commits.hash"),
        ('r = git_log(".")\nfor c in reversed(r.commits[:3]):\n    c.hash', "commits.hash"),
        ('r = git_log(".")\nsorted(r.commits, key=lambda c: c.date)', "commits.date"),
        ('r = ruff_check(".")\nlist(filter(lambda v: v.fixable, r.violations))', "violations.fixable"),
        (
            's = document_symbols("a.py")\nfor x in s.symbols:\n    for c in x.children:\n        c.name',
            "symbols.children.name",
        ),
        ('r = git_log(".")\nmax(r.commits, key=len).hash', "commits.hash"),
    ],
    ids=[
        "loop",
        "index",
        "listcomp-if",
        "genexp",
        "enumerate",
        "sorted",
        "reversed-slice",
        "key-lambda",
        "filter",
        "nested-children",
        "max",
    ],
)
def test_codeinfo_item_reads(code: str, path: str) -> None:
    """Items of list fields keep their type through loops, indexes, comprehensions and helpers."""
    assert (path, True) in [(p, valid) for _, p, valid in reads(code)]


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ('status = git_status(".")\nstatus.branch', "branch"),
        ('r = git_status(".")\nfor f in r.files:\n    f.branch', "files.branch"),
        ('r = goto_definition("a.py", 1, 2, "x")\nr.locations[0].fyle', "locations.fyle"),
        ('r = document_symbols("a.py")\nr.function_count', "function_count"),
        ('r = typecheck(".")\nr.model_dump()', "model_dump"),
        ('r = typecheck(".")\nr.dict()', "dict"),
        ('r = git_status(".")\nr.files.staged', "files.staged"),
        ('r = git_status(".")\ngetattr(r, "ahead", 0)', "ahead"),
    ],
    ids=["direct", "loop", "index", "invented-count", "model_dump", "dict", "list-attribute", "getattr"],
)
def test_codeinfo_invalid_reads(code: str, path: str) -> None:
    """Reads of fields the result type does not have are recorded as invalid."""
    assert (path, False) in [(p, valid) for _, p, valid in reads(code)]


@pytest.mark.parametrize(
    "code",
    [
        "class X:\n    staged = 1\nX.staged",
        'r = git_status(".")\nr = "text"\nr.upper()',
        'text = read_file("a.py")\ntext.splitlines()',
        'r = git_status(".")\nfor r in [1]:\n    r.real',
        'r = git_status(".")\ndef f(r):\n    return r.whatever',
        'r = git_status(".")\nf = lambda r: r.whatever',
    ],
    ids=["other-object", "reassigned", "str-tool", "loop-rebind", "shadowing-param", "shadowing-lambda"],
)
def test_codeinfo_untracked_values_not_recorded(code: str) -> None:
    """Attributes of values not derived from a tool result are not field reads."""
    assert reads(code) == []


def test_codeinfo_if_branches_merge() -> None:
    """A name typed in one branch stays typed after the if."""
    code = 'if x:\n    r = typecheck(".")\nelse:\n    r = None\nr.error_count'
    assert reads(code) == [("typecheck", "error_count", True)]


def test_codeinfo_nested_function_body() -> None:
    """Tool calls and reads inside a function defined in the code are found."""
    code = 'def main():\n    r = typecheck(".")\n    return r.error_count\nmain()'
    info = analyze_code(code, REGISTRY)
    assert ([c.tool for c in info.calls], reads(code)) == (["typecheck"], [("typecheck", "error_count", True)])


def test_codeinfo_call_site_binds_arguments() -> None:
    """Positional and keyword literals are bound to parameter names."""
    (site,) = analyze_code('git_log("src/", count=5)', REGISTRY).calls
    assert (site.tool, site.known, site.positional, site.keywords, dict(site.args)) == (
        "git_log",
        True,
        1,
        ("count",),
        {"path": "src/", "count": 5},
    )


def test_codeinfo_constant_variable_argument() -> None:
    """A name assigned a literal counts as that literal."""
    (site,) = analyze_code('p = "src/"\ntypecheck(p)', REGISTRY).calls
    assert dict(site.args) == {"path": "src/"}


def test_codeinfo_non_literal_argument_left_out() -> None:
    """A computed argument is counted but not bound."""
    (site,) = analyze_code('typecheck("a" + x)', REGISTRY).calls
    assert (site.positional, dict(site.args)) == (1, {})


@pytest.mark.parametrize(
    ("code", "unknown"),
    [
        ("git_branch()", ["git_branch"]),
        ('lint("src")', ["lint"]),
        ("print(len(sorted([1])), str(1), isinstance(1, int), repr(1))", []),
        ("def helper():\n    pass\nhelper()", []),
        ("import os\nos.getcwd()", []),
    ],
    ids=["git_branch", "lint", "builtins", "own-function", "import"],
)
def test_codeinfo_unknown_tools(code: str, unknown: list[str]) -> None:
    """Calls of undefined non-builtin names are unknown tools; builtins and own names are not."""
    info = analyze_code(code, REGISTRY)
    assert [c.tool for c in info.calls if not c.known] == unknown


def test_codeinfo_syntax_error_is_a_value() -> None:
    """Unparsable code gives syntax_error and nothing else."""
    info = analyze_code("def f(:\n", REGISTRY)
    assert info.syntax_error is not None
    assert (info.calls, info.field_reads) == ((), ())


@pytest.mark.parametrize("code", ["x = " + "(" * 300 + ")" * 300, "\x00", "[" * 5000], ids=["deep", "nul", "unclosed"])
def test_codeinfo_pathological_code_does_not_raise(code: str) -> None:
    """Pathological code is reported as a syntax error, never raised."""
    assert analyze_code(code, REGISTRY).syntax_error is not None


def test_codeinfo_read_line_numbers() -> None:
    """A field read carries the line it is on."""
    (read,) = analyze_code('r = git_status(".")\n\nprint(r.clean)', REGISTRY).field_reads
    assert read.line == 3
