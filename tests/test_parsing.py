"""parse_response: every tool call in raw model text, near misses as values, never raises."""

from __future__ import annotations

import importlib.util
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punie_eval.scoring.parsing import parse_response

CODE = 'r = git_status(".")\nprint(r.clean)'
SPACED = f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{CODE}\n</parameter>\n</function>\n</tool_call>"
COMPACT = f"<tool_call><function=execute_code><parameter=code>\n{CODE}\n</parameter></function></tool_call>"
FRAGMENTS = [
    "<tool_call>",
    "</tool_call>",
    "<function=",
    "execute_code>",
    "</function>",
    "<parameter=",
    "code>",
    "</parameter>",
    "<think>",
    "</think>",
    "```json\n",
    "```",
    '{"name": "execute_code", "arguments": {"code": "x = 1"}}',
    "\n",
    "x = 1",
    "Let me check.",
    "{",
    ">",
]


@pytest.mark.parametrize("text", [SPACED, COMPACT], ids=["spaced", "compact"])
def test_parsing_well_formed_layouts(text: str) -> None:
    """Both the spaced and the compact layout give one wrapped, closed execute_code call."""
    (call,) = parse_response(text).calls
    assert (call.function, call.code, call.wrapped, call.closed, call.style) == (
        "execute_code",
        CODE,
        True,
        True,
        "xml",
    )


def test_parsing_strips_exactly_one_newline() -> None:
    """Only one leading and one trailing newline are removed from the code, as qwen3_coder does."""
    text = "<tool_call><function=execute_code><parameter=code>\n\nx = 1\n\n</parameter></function></tool_call>"
    assert parse_response(text).calls[0].code == "\nx = 1\n"


def test_parsing_call_offsets_point_at_raw_text() -> None:
    """start/end slice the response to exactly the call's raw text."""
    text = "Sure.\n" + COMPACT + "\nDone."
    (call,) = parse_response(text).calls
    assert text[call.start : call.end] == call.raw == COMPACT


@pytest.mark.parametrize(
    ("text", "before", "after", "prose"),
    [
        ("Let me look.\n\n" + SPACED, "Let me look.", "", "Let me look."),
        (SPACED + "\nThat shows the status.  ", "", "That shows the status.", "That shows the status."),
        ("A " + COMPACT + " B " + COMPACT + " C", "A", "C", "A\nB\nC"),
        ("  Plain answer.  ", "Plain answer.", "", "Plain answer."),
    ],
    ids=["preamble", "trailing", "between", "no-call"],
)
def test_parsing_text_around_calls(text: str, before: str, after: str, prose: str) -> None:
    """before/after/prose are the stripped text around the calls."""
    parsed = parse_response(text)
    assert (parsed.before, parsed.after, parsed.prose) == (before, after, prose)


def test_parsing_bare_function_is_unwrapped() -> None:
    """<function=…> without <tool_call> is a call with wrapped=False."""
    (call,) = parse_response(f"<function=execute_code><parameter=code>{CODE}</parameter></function>").calls
    assert (call.function, call.code, call.wrapped, call.closed) == ("execute_code", CODE, False, True)


def test_parsing_other_function_and_params() -> None:
    """A function other than execute_code keeps its name and its parameters; code is None."""
    (call,) = parse_response(
        "<tool_call><function=git_status><parameter=path>.</parameter></function></tool_call>"
    ).calls
    assert (call.function, call.code, dict(call.params)) == ("git_status", None, {"path": "."})


def test_parsing_tool_call_without_function() -> None:
    """A bare <tool_call> holding code directly has no function and no code."""
    (call,) = parse_response(f"<tool_call>\n{CODE}\n</tool_call>").calls
    assert (call.function, call.code, call.wrapped) == (None, None, True)


@pytest.mark.parametrize(
    ("text", "wrapped"),
    [
        ('<tool_call>{"name": "execute_code", "arguments": {"code": "x = 1"}}</tool_call>', True),
        ('Here:\n```json\n{"name": "execute_code", "arguments": {"code": "x = 1"}}\n```', False),
        ('<tool_call>{"name": "execute_code", "arguments": "{\\"code\\": \\"x = 1\\"}"}</tool_call>', True),
    ],
    ids=["wrapped", "fence", "string-arguments"],
)
def test_parsing_json_calls(text: str, wrapped: bool) -> None:
    """JSON calls are style='json' with name and code taken from the arguments."""
    (call,) = parse_response(text).calls
    assert (call.style, call.function, call.code, call.wrapped) == ("json", "execute_code", "x = 1", wrapped)


def test_parsing_json_fence_without_name_is_prose() -> None:
    """A ```json block that is not a call stays prose."""
    parsed = parse_response('Example:\n```json\n{"success": true}\n```')
    assert parsed.calls == ()


@pytest.mark.parametrize(
    "text",
    [
        "<tool_call><function=execute_code><parameter=code>\nx = 1\n",
        "<tool_call><function=execute_code><parameter=code>\nx = 1\n</parameter></function>",
        "<tool_call><function=execute_code><parameter=code>\nx = 1\n</function></tool_call>",
    ],
    ids=["all-open", "no-tool-call-close", "no-parameter-close"],
)
def test_parsing_unclosed_tags(text: str) -> None:
    """An unclosed tag gives closed=False and the code up to where the call ends."""
    (call,) = parse_response(text).calls
    assert (call.closed, call.code) == (False, "x = 1")


def test_parsing_several_calls() -> None:
    """Every <tool_call> block is a separate call, in order."""
    text = COMPACT.replace(CODE, "a = 1") + COMPACT.replace(CODE, "b = 2")
    assert [c.code for c in parse_response(text).calls] == ["a = 1", "b = 2"]


def test_parsing_unclosed_call_ends_at_next_call() -> None:
    """An unclosed <tool_call> stops where the next one starts."""
    text = "<tool_call><function=execute_code><parameter=code>a = 1\n" + COMPACT
    calls = parse_response(text).calls
    assert [(c.code, c.closed) for c in calls] == [("a = 1", False), (CODE, True)]


def test_parsing_think_blocks_collected_and_removed() -> None:
    """<think> contents go to `think` and out of the prose; calls inside them are ignored."""
    parsed = parse_response("<think>maybe <tool_call>x</tool_call></think>Answer.")
    assert (parsed.think, parsed.prose, parsed.calls) == (("maybe <tool_call>x</tool_call>",), "Answer.", ())


def test_parsing_stray_think_close() -> None:
    """A stray </think> makes the text before it a think block."""
    parsed = parse_response("reasoning</think>\n" + COMPACT)
    assert (parsed.think, parsed.before, len(parsed.calls)) == (("reasoning",), "", 1)


def test_parsing_unclosed_think_ends_at_call() -> None:
    """An unclosed <think> does not swallow the call after it."""
    parsed = parse_response("<think>hmm\n" + COMPACT)
    assert (parsed.think, len(parsed.calls)) == (("hmm",), 1)


@pytest.mark.skipif(importlib.util.find_spec("mlx_lm") is None, reason="mlx_lm not installed")
@pytest.mark.parametrize("text", [SPACED, COMPACT, COMPACT.replace("code>\n", "code>\n\n")], ids=["s", "c", "nl"])
def test_parsing_agrees_with_mlx_lm_qwen3_coder(text: str) -> None:
    """Function name and parameters match mlx_lm's qwen3_coder parser on well-formed calls."""
    from mlx_lm.tool_parsers.qwen3_coder import parse_tool_call

    body = text.removeprefix("<tool_call>").removesuffix("</tool_call>").strip()
    theirs = parse_tool_call(body)
    (call,) = parse_response(text).calls
    assert (call.function, dict(call.params)) == (theirs["name"], theirs["arguments"])


@given(st.text())
def test_parsing_never_raises_on_any_text(text: str) -> None:
    """Arbitrary text parses to a value whose call offsets are consistent."""
    parsed = parse_response(text)
    assert all(text[c.start : c.end] == c.raw for c in parsed.calls)


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_parsing_never_raises_on_tag_fragments(text: str) -> None:
    """Text built from tag fragments parses; calls are ordered and do not overlap."""
    calls = parse_response(text).calls
    assert all(a.end <= b.start for a, b in itertools.pairwise(calls))


@pytest.mark.parametrize(
    "text",
    [
        "Wrap the call in <tool_call> tags.",
        "The model emits `<tool_call>` first.",
        'The "<tool_call>" tag opens a call, and <function=execute_code> names the function.',
        "A call sits between <tool_call> and </tool_call>.",
    ],
    ids=["sentence", "backticks", "quoted-and-function", "both-tags"],
)
def test_parsing_tag_mentioned_in_prose_is_not_a_call(text: str) -> None:
    """A tag named in a sentence (followed by words, punctuation or a quote) starts no call."""
    assert parse_response(text).calls == ()


def test_parsing_json_fence_without_arguments_is_prose() -> None:
    """A fenced JSON object with a name but no arguments (a package.json) is not a call."""
    text = 'An example:\n```json\n{"name": "my-package", "version": "1.0.0"}\n```\nDone.'
    assert parse_response(text).calls == ()
