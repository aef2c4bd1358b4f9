"""diagnose: one label per response, every label with a positive and a negative case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punie_eval.scoring.diagnosis import FORMAT_LABELS, PRECEDENCE, diagnose, is_announcement
from punie_eval.scoring.parsing import parse_response
from punie_eval.types import LABELS, Diagnosis

GOOD = (
    "<tool_call><function=execute_code><parameter=code>\n"
    'r = git_status(".")\nprint(r.clean)\n</parameter></function></tool_call>'
)
LOOP = "The status is clean. " * 6
REPEATED_LINES = "\n".join(["Checking the repository state now"] * 4)


def diag(text: str, expect_tool: bool = True, finish_reason: str | None = None) -> Diagnosis:
    return diagnose(parse_response(text), expect_tool=expect_tool, finish_reason=finish_reason)


# (label, a response that has it, a close response that does not, expect_tool, finish_reason)
CASES = [
    ("ok", GOOD, "Let me check.\n" + GOOD, True, None),
    ("empty", "  \n\t ", ".", False, None),
    ("preamble", "Let me investigate.\n\n" + GOOD, GOOD, True, None),
    (
        "preamble_then_stop",
        "I'll run the type checker.",
        "Protocol uses structural typing; ABC is nominal.",
        True,
        None,
    ),
    ("trailing_text", GOOD + "\nThis shows the status.", GOOD + "\n\n", True, None),
    (
        "stray_markup",
        'r = git_status(".")\nprint(r.clean)\n</parameter>\n</function>\n</tool_call>',
        'r = git_status(".")\nprint(r.clean)',
        True,
        None,
    ),
    ("missing_wrapper", GOOD.removeprefix("<tool_call>").removesuffix("</tool_call>"), GOOD, True, None),
    ("wrong_function", GOOD.replace("execute_code", "run_python"), GOOD, True, None),
    ("unclosed_tag", GOOD.removesuffix("</tool_call>"), GOOD, True, None),
    ("json_call", '<tool_call>{"name": "execute_code", "arguments": {"code": "x = 1"}}</tool_call>', GOOD, True, None),
    ("multiple_calls", GOOD + GOOD, GOOD, True, None),
    ("max_tokens", GOOD, GOOD, True, "length"),
    ("degenerate_repetition", LOOP, "The status is clean. Two files changed.", False, None),
    ("think_leak", "<think>plan</think>\n" + GOOD, GOOD, True, None),
    ("syntax_error", GOOD.replace("print(r.clean)", "print(r.clean"), GOOD, True, None),
]


def test_diagnosis_cases_cover_every_label() -> None:
    """The table below has a case for every label, and the precedence lists every non-ok label."""
    assert {c[0] for c in CASES} == set(LABELS) == {*PRECEDENCE, "ok"}


@pytest.mark.parametrize(("label", "text", "_", "expect_tool", "finish"), CASES, ids=[c[0] for c in CASES])
def test_diagnosis_label_positive(label: str, text: str, _: str, expect_tool: bool, finish: str | None) -> None:
    """A response with the problem gets its label as the primary label."""
    assert diag(text, expect_tool, finish).label == label


@pytest.mark.parametrize(("label", "_", "text", "expect_tool", "finish"), CASES, ids=[c[0] for c in CASES])
def test_diagnosis_label_negative(label: str, _: str, text: str, expect_tool: bool, finish: str | None) -> None:
    """A close response without the problem does not get the label at all."""
    finish = None if label == "max_tokens" else finish
    result = diag(text, expect_tool, finish)
    assert label not in (result.label, *result.also)


@pytest.mark.parametrize(
    "text",
    [
        "I'll get the git status.",
        "I'll analyze the symbol kinds.",
        "Let me check the git status:",
        "Sure! I will run the tests now.",
        "I\u2019m going to look at the definition.",
        "Okay, let's lint the source directory.",
    ],
)
def test_diagnosis_announcement_detected(text: str) -> None:
    """First-person intent sentences that deliver nothing are announcements."""
    assert is_announcement(text)


@pytest.mark.parametrize(
    "text",
    [
        "The working tree is clean.",
        "Use Protocol when you want structural typing.",
        "I'll explain:\n```python\nx = 1\n```",
        "Let me explain. " + "Protocols are structural. " * 20,
        "",
    ],
    ids=["statement", "answer", "delivers-code", "long", "empty"],
)
def test_diagnosis_non_announcement(text: str) -> None:
    """Answers, long texts and texts carrying content are not announcements."""
    assert not is_announcement(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I'll look into how the diff command treats staged files.", "preamble_then_stop"),
        ("I'll explain: a closure keeps the variables of its scope.", "ok"),
        ("Let me explain. A closure keeps the variables of its scope.", "ok"),
    ],
    ids=["announcement", "colon-answer", "answer-follows"],
)
def test_diagnosis_prose_announcement_is_preamble_then_stop(text: str, label: str) -> None:
    """On a prose query a lone sentence of intent is preamble_then_stop; an answer after it is ok."""
    assert diag(text, expect_tool=False).label == label


def test_diagnosis_prose_when_tool_expected_is_not_format_failure() -> None:
    """Answering in prose without announcing is a decision, left to the gate layer."""
    result = diag("The repository has two modified files.", expect_tool=True)
    assert (result.label, result.format_failure) == ("ok", False)


@pytest.mark.parametrize(
    ("expect_tool", "format_failure"), [(True, True), (False, False)], ids=["tool-expected", "prose-expected"]
)
def test_diagnosis_empty_format_failure_depends_on_expectation(expect_tool: bool, format_failure: bool) -> None:
    """Empty is a format failure only when a tool call was expected."""
    assert diag("", expect_tool).format_failure is format_failure


@pytest.mark.parametrize("label", sorted(FORMAT_LABELS))
def test_diagnosis_format_labels_flagged(label: str) -> None:
    """Every wire-format label sets format_failure."""
    text, expect_tool, finish = next((c[1], c[3], c[4]) for c in CASES if c[0] == label)
    assert diag(text, expect_tool, finish).format_failure


@pytest.mark.parametrize("label", ["ok", "syntax_error", "degenerate_repetition"])
def test_diagnosis_capability_labels_not_flagged(label: str) -> None:
    """ok and capability labels do not set format_failure."""
    text, expect_tool, finish = next((c[1], c[3], c[4]) for c in CASES if c[0] == label)
    assert not diag(text, expect_tool, finish).format_failure


def test_diagnosis_also_lists_other_labels_in_precedence_order() -> None:
    """A preamble plus trailing text plus a think block: the most severe first, the rest in also."""
    result = diag("<think>x</think>Let me look.\n" + GOOD + "\nDone.")
    assert (result.label, result.also) == ("think_leak", ("preamble", "trailing_text"))


def test_diagnosis_stray_think_close_is_leak() -> None:
    """A stray </think> alone is a think leak."""
    assert diag("</think>\n" + GOOD).label == "think_leak"


def test_diagnosis_bare_tool_call_is_wrong_function() -> None:
    """A <tool_call> without <function=execute_code> is not ok."""
    assert diag('<tool_call>\nr = git_status(".")\n</tool_call>').label == "wrong_function"


def test_diagnosis_execute_code_without_code_parameter() -> None:
    """execute_code with another parameter than code is wrong_function."""
    assert diag(GOOD.replace("parameter=code", "parameter=source")).label == "wrong_function"


def test_diagnosis_repeated_lines_degenerate() -> None:
    """The same line four times is degenerate repetition."""
    assert diag(REPEATED_LINES, expect_tool=False).label == "degenerate_repetition"


def test_diagnosis_repeated_code_lines_degenerate() -> None:
    """A code line looping five times is degenerate repetition."""
    code = "\n".join(['print(r.clean, "x")'] * 6)
    assert diag(GOOD.replace("print(r.clean)", code)).label == "degenerate_repetition"


def test_diagnosis_code_repeated_three_times_is_not_degenerate() -> None:
    """Code may repeat a line a few times (separators, prints) without being degenerate."""
    code = "\n".join(['print("-" * 40)', "print(r.clean)"] * 3)
    assert diag(GOOD.replace("print(r.clean)", code)).label == "ok"


@pytest.mark.parametrize(
    ("text", "degenerate"),
    [
        ("Protocol is structural. " * 8, True),
        ("the same words again and again " * 6, True),
        ("Yes. Yes. Yes. It is.", False),
    ],
    ids=["short-sentence", "no-punctuation", "tiny-sentences"],
)
def test_diagnosis_prose_loops(text: str, degenerate: bool) -> None:
    """Looping sentences and chunks are degenerate; repeated tiny sentences are not."""
    assert (diag(text, expect_tool=False).label == "degenerate_repetition") is degenerate


def test_diagnosis_repetition_beats_max_tokens() -> None:
    """A loop cut off at the token limit is labelled by its cause."""
    result = diag(LOOP, expect_tool=False, finish_reason="length")
    assert (result.label, result.also) == ("degenerate_repetition", ("max_tokens",))


@given(st.text(), st.booleans(), st.sampled_from([None, "stop", "length", "tool_calls"]))
def test_diagnosis_never_raises(text: str, expect_tool: bool, finish: str | None) -> None:
    """Any text gives a Diagnosis with a known label."""
    assert diag(text, expect_tool, finish).label in LABELS


@given(
    st.lists(
        st.sampled_from(
            [
                "<tool_call>",
                "</tool_call>",
                "<function=execute_code>",
                "<parameter=code>",
                "</parameter>",
                "</function>",
                "<think>",
                "</think>",
                "x = (",
                "I'll run it.",
                "\n",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_diagnosis_never_raises_on_tag_fragments(text: str) -> None:
    """Text built from tag fragments gives a Diagnosis whose also never repeats the label."""
    result = diag(text)
    assert result.label not in result.also
