"""score_query / score_turn: the layers, their reasons, and the old suite's defects fixed."""

from __future__ import annotations

from typing import Any

import pytest

from punie_eval.queries import Query, Turn2
from punie_eval.registry import load_registry
from punie_eval.scoring.layers import needs_turn2, score_query
from punie_eval.scoring.rules import keyword_found, normalise
from punie_eval.types import Layer, QueryScore, Response

REGISTRY = load_registry()
TOOL_LAYERS = ["gate", "extract", "format", "syntax", "identity", "arguments", "fields", "completeness", "output"]


def wire(code: str) -> str:
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


def tool_query(tools: tuple[str, ...] = ("git_status",), **kw: Any) -> Query:
    return Query(id="q", category="single_tool", prompt="p", expect="tool", tools=tools, **kw)


def prose_query(keywords: tuple[str, ...] = ()) -> Query:
    return Query(id="d", category="direct_answers", prompt="p", expect="prose", keywords=keywords)


def score(query: Query, *texts: str, finish: str | None = None) -> QueryScore:
    responses = [Response(t, finish_reason=finish) for t in texts]  # type: ignore[arg-type]
    return score_query(query, responses, REGISTRY)


def layer(result: QueryScore, name: str, turn: int = 1) -> Layer:
    return next(x for x in result.turns[turn - 1].layers if x.name == name)


def test_scoring_strict_pass_records_every_layer() -> None:
    """A correct call passes strict with all tool layers recorded in order."""
    result = score(tool_query(), wire('r = git_status(".")\nprint(r.clean)'))
    assert ([x.name for x in result.turns[0].layers], result.strict, result.failure) == (TOOL_LAYERS, True, None)


# ---- the old suite's defects ---------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   \n"], ids=["empty", "whitespace"])
def test_scoring_empty_response_is_not_a_direct_answer(text: str) -> None:
    """An empty response fails a prose query, soft and strict."""
    result = score(prose_query(), text)
    assert (result.soft, result.strict) == (False, False)


def test_scoring_bare_tool_call_fails_extract() -> None:
    """<tool_call> without <function=execute_code> passes the gate but fails extract."""
    result = score(tool_query(), '<tool_call>\nr = git_status(".")\nprint(r.clean)\n</tool_call>')
    assert (result.soft, layer(result, "extract").passed, result.strict) == (True, False, False)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (wire("x = 1").replace("execute_code", "git_status"), "function 'git_status'"),
        (wire("x = 1").removeprefix("<tool_call>\n").removesuffix("\n</tool_call>"), "no <tool_call> wrapper"),
        ('<tool_call>{"name": "execute_code", "arguments": {"code": "x = 1"}}</tool_call>', "JSON call"),
        (wire("x = 1").removesuffix("</tool_call>"), "unclosed tag"),
    ],
    ids=["wrong-function", "missing-wrapper", "json", "unclosed"],
)
def test_scoring_near_miss_fails_extract(text: str, reason: str) -> None:
    """Every near-miss call fails extract, naming the problem."""
    assert reason in layer(score(tool_query(), text), "extract").reason


def test_scoring_preamble_reported() -> None:
    """A preamble before the call is reported in the turn's diagnosis."""
    result = score(tool_query(), "Let me investigate.\n\n" + wire('print(git_status(".").clean)'))
    assert (result.turns[0].diagnosis.label, result.turns[0].diagnosis.format_failure) == ("preamble", True)


@pytest.mark.parametrize(
    ("text", "finish", "label"),
    [
        ("Let me investigate.\n\n" + wire('print(git_status(".").clean)'), "stop", "preamble"),
        (wire('print(git_status(".").clean)') + "\nDone, that was easy.", "stop", "trailing_text"),
        (wire('print(git_status(".").clean)') * 2, "stop", "multiple_calls"),
        (wire('print(git_status(".").clean)'), "length", "max_tokens"),
    ],
    ids=["preamble", "trailing", "two-calls", "no-eos"],
)
def test_scoring_format_failure_fails_strict_not_soft(text: str, finish: str, label: str) -> None:
    """A call wrapped in a format problem passes soft but fails strict at the format layer."""
    result = score_query(tool_query(), [Response(text, finish_reason=finish)], load_registry())  # type: ignore[arg-type]
    assert (result.soft, result.strict, label in layer(result, "format").reason) == (True, False, True)


def test_scoring_preamble_then_stop_diagnosed() -> None:
    """An announcement followed by EOS is diagnosed as preamble_then_stop, not plain prose."""
    result = score(tool_query(), "I'll get the git status.")
    turn = result.turns[0]
    assert (turn.diagnosis.label, result.soft) == ("preamble_then_stop", False)
    assert "preamble_then_stop" in layer(result, "gate").reason


@pytest.mark.parametrize(
    "code",
    [
        'r = git_status(".")\nfor f in r.files:\n    print(f.branch)',
        'r = git_status(".")\nprint(r.files[0].path)',
        'r = git_status(".")\nprint([f.ahead for f in r.files])',
        'r = git_status(".")\nprint(r.model_dump())',
    ],
    ids=["loop", "index", "comprehension", "method"],
)
def test_scoring_invalid_field_fails_every_query(code: str) -> None:
    """Invalid reads fail the fields layer even on a query that names no fields."""
    result = score(tool_query(), wire(code))
    assert (layer(result, "fields").passed, result.strict) == (False, False)


def test_scoring_field_reason_names_type_field_and_line() -> None:
    """The fields reason names the type, the field, how it was read and the line."""
    result = score(tool_query(), wire('status = git_status(".")\nprint(status.branch)'))
    assert layer(result, "fields").reason == "GitStatusResult has no field 'branch' (read as status.branch, line 2)"


def test_scoring_expected_field_on_wrong_object_does_not_count() -> None:
    """staged read on an object not from git_status does not satisfy files.staged."""
    query = tool_query(fields={"git_status": ("files", "files.staged")})
    code = 'r = git_status(".")\nprint(r.files)\nclass F:\n    staged = True\nprint(F().staged)'
    assert not layer(score(query, wire(code)), "fields").passed


def test_scoring_expected_field_on_other_tool_does_not_count() -> None:
    """An expected field read on another tool's result does not count."""
    query = tool_query(("git_status", "git_diff"), fields={"git_diff": ("file_count",)})
    code = 'print(git_status(".").file_count, git_diff(".").additions)'
    assert "expected git_diff(…).file_count" in layer(score(query, wire(code)), "fields").reason


@pytest.mark.parametrize(
    "code",
    [
        'print(typecheck("src/").error_count)',
        'r: TypeCheckResult = typecheck("src/")\nprint(r.error_count)',
        'if (r := typecheck("src/")).error_count:\n    print(r.errors)',
    ],
    ids=["inline", "annotated", "walrus"],
)
def test_scoring_inline_and_annotated_use_recognised(code: str) -> None:
    """Inline and annotated uses of a result satisfy the expected field."""
    query = tool_query(("typecheck",), fields={"typecheck": ("error_count",)})
    assert score(query, wire(code)).strict


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ('goto_definition("src/a.py")', "goto_definition called with 1 of 4 arguments; missing line, column, symbol"),
        ('goto_definition("a.py", 1, 2, "x", 5)', "takes at most 4 positional arguments, got 5"),
        ('goto_definition("a.py", 1, 2, name="x")', "has no parameter 'name'"),
        ('goto_definition("a.py", 1, 2, file_path="x")', "both positionally and by keyword"),
    ],
    ids=["too-few", "too-many", "unknown-keyword", "twice"],
)
def test_scoring_argument_counts_checked(code: str, reason: str) -> None:
    """Calls that do not bind to the signature fail the arguments layer."""
    result = score(tool_query(("goto_definition",)), wire(code))
    assert reason in layer(result, "arguments").reason
    assert not result.strict


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("2", "There are 2 errors.", True),
        ("2", "Found 12 errors in 20 files", False),
        ("2", "version 1.2 of v2", False),
        ("3", "3.", True),
        ("F401", "unused import (F401)", True),
        ("F401", "F4012", False),
        ("config", "In Config.py", True),
    ],
    ids=["whole", "inside-number", "decimal-and-word", "sentence-end", "code", "longer-code", "case"],
)
def test_scoring_keyword_matching(keyword: str, text: str, found: bool) -> None:
    """Keywords match case-insensitively; ones with digits only as whole tokens."""
    assert keyword_found(keyword, text) is found


# ---- identity, arguments, completeness ---------------------------------------------------
def test_scoring_run_command_fallback_fails_identity() -> None:
    """run_command where a typed tool is expected fails identity with the call rendered."""
    result = score(tool_query(), wire('print(run_command("git", ["status"]))'))
    assert layer(result, "identity").reason == "expected git_status, got run_command('git', ['status'])"


def test_scoring_run_command_beside_typed_tool_fails_identity() -> None:
    """Shelling out next to the typed tool still fails identity."""
    result = score(tool_query(), wire('git_status(".")\nrun_command("git", ["branch"])'))
    assert "untyped fallback" in layer(result, "identity").reason


def test_scoring_wrong_typed_tool_fails_identity() -> None:
    """Calling another typed tool fails identity."""
    assert not layer(score(tool_query(), wire('git_diff(".")')), "identity").passed


@pytest.mark.parametrize(
    ("expected", "given", "passed"),
    [("src/", '"./src"', True), (".", '"./"', True), ("src/punie/", '"src/punie"', True), ("src/", '"tests"', False)],
    ids=["dot-slash", "dot", "trailing", "different"],
)
def test_scoring_expected_argument_values(expected: str, given: str, passed: bool) -> None:
    """Expected path arguments compare after normalisation."""
    query = tool_query(("typecheck",), args={"typecheck": {"path": expected}})
    assert layer(score(query, wire(f"typecheck({given})")), "arguments").passed is passed


def test_scoring_expected_int_argument_by_keyword() -> None:
    """An int argument given by keyword matches, a different one does not."""
    query = tool_query(("git_log",), args={"git_log": {"count": 5}})
    assert [layer(score(query, wire(f'git_log(".", count={n})')), "arguments").passed for n in (5, 6)] == [True, False]


@pytest.mark.parametrize(("value", "expected"), [("./src/", "src"), ("./", "."), (".", "."), ("/", "/"), (3, 3)])
def test_scoring_normalise_paths(value: object, expected: object) -> None:
    """Leading ./ and trailing / are dropped; '.' and './' are the same."""
    assert normalise(value) == expected


def test_scoring_completeness_needs_all_tools() -> None:
    """A cross-tool query with one tool missing fails completeness but passes identity."""
    query = tool_query(("ruff_check", "typecheck", "pytest_run"))
    result = score(query, wire('ruff_check(".")\ntypecheck(".")'))
    assert (layer(result, "identity").passed, layer(result, "completeness").reason) == (True, "missing pytest_run")


def test_scoring_unknown_tool_fails_completeness() -> None:
    """Calling a tool that does not exist fails completeness."""
    result = score(tool_query(), wire('git_status(".")\ngit_branch()'))
    assert layer(result, "completeness").reason == "unknown tool git_branch()"


def test_scoring_forbidden_field_fails() -> None:
    """Reading a forbidden (valid but wrong) field fails the fields layer."""
    query = tool_query(
        ("typecheck",), fields={"typecheck": ("error_count",)}, forbidden_fields={"typecheck": ("warning_count",)}
    )
    code = 'r = typecheck(".")\nprint(r.error_count, r.warning_count)'
    assert "must not be read" in layer(score(query, wire(code)), "fields").reason


def test_scoring_syntax_error_fails_syntax_layer() -> None:
    """Unparsable code fails the syntax layer."""
    assert not layer(score(tool_query(), wire('git_status(".")\nprint(')), "syntax").passed


def test_scoring_no_call_later_layers_not_reached() -> None:
    """With no call, every layer after the gate fails as not reached."""
    result = score(tool_query(), "The tree is clean.")
    assert [x.reason for x in result.turns[0].layers[1:]] == ["not reached: no tool call with code"] * 8


# ---- prose ------------------------------------------------------------------------------
def test_scoring_prose_answer_passes() -> None:
    """Non-empty prose with no call passes a direct-answer query."""
    assert score(prose_query(), "Use Protocol for structural typing.").strict


def test_scoring_tool_call_on_prose_query_fails() -> None:
    """A tool call where prose is expected fails the gate."""
    assert not score(prose_query(), wire('git_status(".")')).soft


def test_scoring_degenerate_prose_fails() -> None:
    """A looping answer passes the gate but fails the prose layer."""
    result = score(prose_query(), "Protocol is structural. " * 8)
    assert (result.soft, result.strict) == (True, False)


@pytest.mark.parametrize(("text", "strict"), [("Protocol vs ABC", True), ("abc only", True), ("nothing", False)])
def test_scoring_prose_keywords_half(text: str, strict: bool) -> None:
    """A prose query with keywords needs at least half of them."""
    assert score(prose_query(("protocol", "abc")), text).strict is strict


# ---- multi-turn -------------------------------------------------------------------------
def summary_query() -> Query:
    turn2 = Turn2(tool="typecheck", tool_result={}, expect="summary", keywords=("2", "config.py", "arg-type"))
    return tool_query(("typecheck",), turn2=turn2)


def chain_query() -> Query:
    turn2 = Turn2(tool="find_references", tool_result={}, expect="chain", tools=("read_file",))
    return tool_query(("find_references",), turn2=turn2)


T1_TYPECHECK = wire('print(typecheck("src/"))')
T1_REFS = wire('print(find_references("a.py", 1, 2, "x"))')


@pytest.mark.parametrize(
    ("text", "strict"),
    [("2 errors in config.py", True), ("12 errors in config.py", False), ("There are 2 errors.", False)],
    ids=["two-of-three", "digit-inside-number", "one-of-three"],
)
def test_scoring_turn2_summary_keywords(text: str, strict: bool) -> None:
    """Turn 2 summaries need half the keywords, numbers as whole tokens."""
    assert score(summary_query(), T1_TYPECHECK, text).strict is strict


def test_scoring_turn2_summary_with_call_fails() -> None:
    """A tool call where a summary is expected fails turn 2's gate."""
    assert not score(summary_query(), T1_TYPECHECK, wire('typecheck(".")')).turns[1].soft


def test_scoring_turn2_chain_passes() -> None:
    """The expected next tool, called correctly, passes the chain."""
    result = score(chain_query(), T1_REFS, wire('print(read_file("a.py").splitlines()[0])'))
    assert ([x.name for x in result.turns[1].layers][4], result.strict) == ("chain", True)


def test_scoring_turn2_chain_wrong_tool_fails() -> None:
    """Calling the turn-1 tool again fails the chain layer."""
    result = score(chain_query(), T1_REFS, wire('find_references("a.py", 1, 2, "x")'))
    assert layer(result, "chain", turn=2).reason.startswith("expected read_file, got find_references(")


def test_scoring_turn2_chain_applies_tool_layers() -> None:
    """The chain call is held to the turn-1 layers (here: arguments)."""
    result = score(chain_query(), T1_REFS, wire("read_file()"))
    assert not layer(result, "arguments", turn=2).passed


@pytest.mark.parametrize(
    ("query", "text", "reason"),
    [
        (summary_query(), T1_TYPECHECK, None),
        (summary_query(), "I'll run the type checker.", "turn 1 made no tool call (preamble_then_stop"),
        (tool_query(), T1_TYPECHECK, "the query has one turn"),
    ],
    ids=["run", "no-call", "single-turn"],
)
def test_scoring_needs_turn2(query: Query, text: str, reason: str | None) -> None:
    """needs_turn2 is None when turn 2 can run, else the reason."""
    got = needs_turn2(query, Response(text))
    assert got == reason if reason is None else (got or "").startswith(reason)


def test_scoring_skipped_turn2_fails_strict() -> None:
    """A multi-turn query scored with one response records why and is not strict."""
    result = score(summary_query(), "I'll run the type checker.")
    assert result.skipped_turn2 is not None
    assert not result.strict
    assert result.failure is not None


def test_scoring_wrong_number_of_responses_is_an_error() -> None:
    """Two responses for a single-turn query is a caller error."""
    with pytest.raises(ValueError, match="takes 1 responses, got 2"):
        score(tool_query(), "a", "b")
