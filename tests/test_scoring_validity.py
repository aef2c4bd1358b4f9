"""Regression tests for the false passes of issue 19, one (or one table) per class."""

from __future__ import annotations

from typing import Any

import pytest

from punie_eval.queries import Query
from punie_eval.registry import load_registry
from punie_eval.scoring.codeinfo import analyze_code
from punie_eval.scoring.layers import score_query
from punie_eval.types import Layer, QueryScore, Response

REGISTRY = load_registry()
DEBRIS = 'r = git_log(".", count=6)\nprint(r.commits)\n</parameter>\n</function>\n</tool_call>'


def wire(code: str) -> str:
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


def tool_query(tools: tuple[str, ...] = ("git_log",), **kw: Any) -> Query:
    return Query(id="q", category="single_tool", prompt="p", expect="tool", tools=tools, **kw)


PROSE = Query(id="d", category="direct_answers", prompt="p", expect="prose")


def score(query: Query, text: str) -> QueryScore:
    return score_query(query, [Response(text)], REGISTRY)


def layer(result: QueryScore, name: str) -> Layer:
    return next(x for x in result.turns[0].layers if x.name == name)


# ---- 1. stray closing markup -------------------------------------------------------------------
@pytest.mark.parametrize("query", [PROSE, tool_query()], ids=["prose-query", "tool-query"])
def test_scoring_validity_stray_markup_is_format_failure(query: Query) -> None:
    """Code ending in closing tags with no opening ones is a stray_markup format failure, not ok."""
    result = score(query, DEBRIS)
    diagnosis = result.turns[0].diagnosis
    assert (diagnosis.label, diagnosis.format_failure, result.strict) == ("stray_markup", True, False)


def test_scoring_validity_stray_markup_after_call_fails_format() -> None:
    """A well-formed call followed by a second closing tag fails the format layer."""
    result = score(tool_query(("git_status",)), wire('print(git_status(".").clean)') + "\n</tool_call>")
    assert (layer(result, "format").passed, "stray_markup" in layer(result, "format").reason) == (False, True)


# ---- 2. calling a non-callable field -----------------------------------------------------------
def test_scoring_validity_called_field_fails_fields() -> None:
    """v.fixable() on a boolean field fails the fields layer, naming the field and its type."""
    code = 'r = ruff_check("src/")\nprint([v.file for v in r.violations if v.fixable()])'
    reason = layer(score(tool_query(("ruff_check",)), wire(code)), "fields")
    assert (reason.passed, "RuffViolation.fixable is a boolean; calling it fails" in reason.reason) == (False, True)


@pytest.mark.parametrize(
    "code",
    [
        'r = ruff_check("src/")\nprint(r.violations.count(1))',
        'r = ruff_check("src/")\nprint(r.violations[0].code.lower())',
    ],
    ids=["list-method", "method-of-a-string-field"],
)
def test_scoring_validity_methods_of_field_values_are_not_called_fields(code: str) -> None:
    """A list method or a str method called on a field's value is not a call of the field."""
    assert analyze_code(code, REGISTRY).called_fields == ()


# ---- 3. no output ------------------------------------------------------------------------------
def test_scoring_validity_no_output_fails_output() -> None:
    """Code whose last line is a bare expression prints nothing and fails the output layer."""
    result = score(tool_query(("pytest_run",)), wire('r = pytest_run("tests/")\nr.passed / r.failed'))
    assert (layer(result, "output").passed, result.failure) == (
        False,
        "turn 1 output: prints nothing: the sandbox returns only what the code prints",
    )


@pytest.mark.parametrize(
    ("code", "prints"),
    [
        ('print(git_status(".").clean)', True),
        ('r = git_status(".")\nif r.clean:\n    print("clean")', True),
        ('import pprint\npprint.pprint(git_status(".").files)', True),
        ('import sys\nsys.stdout.write(str(git_status(".").clean))', True),
        ('def show(r):\n    print(r.clean)\nshow(git_status("."))', True),
        ('def show(r):\n    print(r.clean)\nr = git_status(".")\nr.clean', False),
        ('r = git_status(".")\nprint()', False),
        ('r = git_status(".")\nr.clean', False),
    ],
    ids=["print", "in-branch", "pprint", "stdout-write", "called-function", "uncalled-function", "empty-print", "bare"],
)
def test_scoring_validity_output_rule(code: str, prints: bool) -> None:
    """Output is a reachable print with something to print; a bare expression is not echoed."""
    assert analyze_code(code, REGISTRY).prints is prints


# ---- 4. announcements and markup on prose queries ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I'll look into how the diff command treats staged files.", "announces what it will do"),
        ("Wrap the code in <tool_call> tags and call execute_code.", "tool-call markup in the answer"),
    ],
    ids=["announcement", "markup"],
)
def test_scoring_validity_prose_layer_rejects_announcement_and_markup(text: str, reason: str) -> None:
    """A prose answer that only announces, or carries call markup, fails the prose layer."""
    result = score(PROSE, text)
    assert (layer(result, "prose").passed, reason in layer(result, "prose").reason) == (False, True)


def test_scoring_validity_prose_starting_with_intent_but_answering_passes() -> None:
    """'Let me explain: ...' followed by an answer is an answer."""
    assert score(PROSE, "Let me explain: a frozen dataclass cannot be assigned to after creation.").strict


# ---- 5. undefined names ------------------------------------------------------------------------
def test_scoring_validity_undefined_name_fails_output() -> None:
    """A name read but never bound (not a tool, builtin or result type) fails the output layer."""
    result = score(tool_query(("ruff_check",)), wire('r = ruff_check("src/")\nprint(r.violation_count, codes)'))
    assert layer(result, "output").reason == "reads undefined name 'codes' (line 2)"


@pytest.mark.parametrize(
    "code",
    [
        'r: RuffResult = ruff_check("src/")\nprint(r.violation_count)',
        'try:\n    r = ruff_check("src/")\nexcept Exception as err:\n    print(err)\nelse:\n    print(r.success)',
        'import json\nprint(json.dumps(ruff_check("src/").violation_count))',
        'print([v.code for v in ruff_check("src/").violations])',
        'print(__name__, len(ruff_check("src/").violations))',
    ],
    ids=["result-type-annotation", "except-name", "import", "comprehension-variable", "module-dunder"],
)
def test_scoring_validity_bound_names_are_not_undefined(code: str) -> None:
    """Result types, exception names, imports, comprehension variables and dunders are bound."""
    assert analyze_code(code, REGISTRY).undefined == ()


# ---- 6. arguments ------------------------------------------------------------------------------
def test_scoring_validity_missing_argument_reported_as_not_given() -> None:
    """git_log(".") against expected count=5 says count was not given, not 'not a literal'."""
    query = tool_query(args={"git_log": {"count": 5}})
    reason = layer(score(query, wire('r = git_log(".")\nprint(r.commit_count)')), "arguments").reason
    assert reason == "git_log: expected count=5, got count not given"


def test_scoring_validity_every_binding_problem_reported() -> None:
    """All binding problems of a turn are reported, not only the first."""
    code = 'a = goto_definition("a.py")\nb = hover("a.py", 1, 2, "x", 5)\nprint(a.success, b.success)'
    reason = layer(score(tool_query(("goto_definition", "hover")), wire(code)), "arguments").reason
    assert ("missing line, column, symbol (line 1)" in reason, "at most 4 positional arguments, got 5" in reason) == (
        True,
        True,
    )


@pytest.mark.parametrize(
    ("code", "passed"),
    [
        ('args = (".", 5)\nprint(git_log(*args).commit_count)', True),
        ('kw = {"count": 5}\nprint(git_log(".", **kw).commit_count)', True),
        ('def run(*args):\n    return git_log(*args)\nprint(run(".").commit_count)', False),
        ('def run(**kw):\n    print(git_log(".", **kw).commit_count)\nrun(count=5)', False),
    ],
    ids=["star-literal", "double-star-literal", "star-unknown", "double-star-unknown"],
)
def test_scoring_validity_star_args_are_not_wrong_arity(code: str, passed: bool) -> None:
    """*args/**kw of literals are expanded; unknown ones are no arity error, only 'not a literal'."""
    reason = layer(score(tool_query(args={"git_log": {"count": 5}}), wire(code)), "arguments")
    assert (reason.passed, "positional" in reason.reason or "missing" in reason.reason) == (passed, False)


# ---- dropped results and generation loops ------------------------------------------------------
def test_scoring_validity_dropped_tool_result_fails_output() -> None:
    """A tool whose result is never used answered nothing of the request."""
    code = 'ruff_check("src/")\nt = typecheck("src/")\nprint(t.error_count)'
    result = score(tool_query(("ruff_check", "typecheck")), wire(code))
    assert layer(result, "output").reason == "drops the result of ruff_check() (line 1)"


def test_scoring_validity_code_loop_fails_output() -> None:
    """A code line repeated five times is a generation loop."""
    code = 'r = git_status(".")\n' + "print(r.file_count, r.clean)\n" * 5
    assert "generation loop" in layer(score(tool_query(("git_status",)), wire(code)), "output").reason
