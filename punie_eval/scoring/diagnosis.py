"""One label for what a response looks like on the wire; never raises.

Every rule below is checked; the primary label is the first that applies in this order
(most severe first), the others go to ``also``:

    empty                   nothing but whitespace (and think blocks)
    degenerate_repetition   the same chunk looping (the cause when max tokens is hit too)
    max_tokens              finish_reason == "length": cut off, no EOS
    preamble_then_stop      no call came and the text only announces one (on a prose query:
                            one sentence of intent with nothing after it)
    json_call               a JSON call instead of the XML format
    missing_wrapper         <function=…> without <tool_call>
    wrong_function          a function other than execute_code, none at all, or no code parameter
    unclosed_tag            a tag of a call left open
    stray_markup            call markup outside any call: closing tags left from a call whose
                            opening was lost, or a tag named in the prose
    think_leak              a <think> block or a stray </think>
    multiple_calls          more than one call
    preamble                text before the first call
    trailing_text           text after the last call
    syntax_error            a call's code does not parse
    ok                      none of the above

Call-shape problems (the call would not run) rank above dirty text around a working call;
``syntax_error`` and ``degenerate_repetition`` are capability failures, the rest are format
failures (``empty`` only when a tool was expected). A response that answers in prose when a
tool was expected, without announcing one, is ``ok`` here: that is a decision, which the
scorer's gate layer fails, not a format problem.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from punie_eval.types import Diagnosis, Label, ParsedResponse

PRECEDENCE: tuple[Label, ...] = (
    "empty",
    "degenerate_repetition",
    "max_tokens",
    "preamble_then_stop",
    "json_call",
    "missing_wrapper",
    "wrong_function",
    "unclosed_tag",
    "stray_markup",
    "think_leak",
    "multiple_calls",
    "preamble",
    "trailing_text",
    "syntax_error",
)
FORMAT_LABELS = frozenset(PRECEDENCE) - {"degenerate_repetition", "syntax_error", "empty"}

ANNOUNCEMENT_MAX_CHARS = 300
_INTENT = re.compile(
    r"^(?:(?:ok(?:ay)?|sure|alright|first|now|next|great)[,!.]?\s+)*"
    r"(?:i'?ll|i will|i'm going to|i am going to|i'm gonna|let me|let's|let us|i need to|i should|"
    r"i'd like to|i want to|i can|i'm about to|going to|allow me to|time to)\b",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"```|^\s*(?:[-*•]|\d+[.)])\s", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MARKUP = re.compile(r"</?tool_call>|</?function(?:=[^\s<>]*)?>|</?parameter(?:=[^\s<>]*)?>")
REPEAT_NGRAM, REPEAT_TIMES, CODE_LINE_TIMES = 8, 3, 5


def is_announcement(text: str) -> bool:
    """Short text that only says what it is about to do ("I'll run the type checker.")."""
    text = text.strip().replace("\u2019", "'")
    if not text or len(text) > ANNOUNCEMENT_MAX_CHARS or _CONTENT.search(text):
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) <= 3 and bool(_INTENT.match(text))


def announces_only(text: str) -> bool:
    """An announcement that is one sentence with nothing after it: "I'll look into it." is one,
    "Let me explain: a closure keeps its variables." answers."""
    text = text.strip()
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return is_announcement(text) and len(sentences) == 1 and ":" not in text


def stray_markup(text: str) -> str | None:
    """The first tool-call tag in ``text`` (text outside every call), if any."""
    match = MARKUP.search(text)
    return match.group() if match else None


def repeated_line(text: str, times: int) -> str | None:
    """A non-trivial line (8+ characters) that occurs ``times`` times, if any."""
    counts: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        key = " ".join(line.split()).lower()
        if len(key) >= 8:
            counts[key] += 1
            if counts[key] >= times:
                return key
    return None


def repeated_chunk(text: str) -> str | None:
    """Prose looping: a line, a sentence or an 8-token chunk (non-overlapping) repeated 3 times."""
    if line := repeated_line(text, REPEAT_TIMES):
        return line
    sentences: dict[str, int] = defaultdict(int)
    for sentence in _SENTENCE_END.split(text):
        key = " ".join(sentence.split()).lower()
        if len(key) >= 12 and len(key.split()) >= 3:
            sentences[key] += 1
            if sentences[key] >= REPEAT_TIMES:
                return key
    tokens = text.lower().split()
    last: dict[tuple[str, ...], int] = {}
    seen: dict[tuple[str, ...], int] = defaultdict(int)
    for i in range(len(tokens) - REPEAT_NGRAM + 1):
        gram = tuple(tokens[i : i + REPEAT_NGRAM])
        if gram in last and i - last[gram] < REPEAT_NGRAM:
            continue
        last[gram] = i
        seen[gram] += 1
        if seen[gram] >= REPEAT_TIMES:
            return " ".join(gram)
    return None


def syntax_problem(code: str) -> str | None:
    try:
        ast.parse(code)
    except SyntaxError as err:
        return f"{err.msg} (line {err.lineno})"
    except (ValueError, RecursionError, MemoryError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _findings(parsed: ParsedResponse, expect_tool: bool, finish_reason: str | None) -> dict[Label, str]:
    found: dict[Label, str] = {}
    calls = parsed.calls
    if not calls and not parsed.prose:
        found["empty"] = "no text at all" + (" (think block only)" if parsed.think else "")
    loop = repeated_chunk(parsed.prose) or next(
        (c for call in calls if call.code and (c := repeated_line(call.code, CODE_LINE_TIMES))), None
    )
    if loop:
        found["degenerate_repetition"] = f"repeats {_short(loop)}"
    if finish_reason == "length":
        found["max_tokens"] = "generation hit the token limit (no EOS)"
    announced = is_announcement(parsed.prose) if expect_tool else announces_only(parsed.prose)
    if not calls and announced:
        found["preamble_then_stop"] = f"announced a call and stopped: {_short(parsed.prose)}"
    for call in calls:
        name = call.function
        if call.style == "json":
            found.setdefault("json_call", f"JSON tool call ({name or 'no name'}) instead of <function=execute_code>")
        if not call.wrapped and call.style == "xml":
            found.setdefault("missing_wrapper", f"<function={name}> without <tool_call>")
        if name is None:
            found.setdefault("wrong_function", "<tool_call> without <function=execute_code>")
        elif name != "execute_code":
            found.setdefault("wrong_function", f"calls function {name!r}, not execute_code")
        elif call.code is None:
            found.setdefault("wrong_function", f"execute_code without a code parameter (has {sorted(call.params)})")
        if not call.closed:
            found.setdefault("unclosed_tag", "a call's tags are not all closed")
    if tag := stray_markup(parsed.prose):
        found["stray_markup"] = f"tool-call markup outside a call: {tag!r}"
    if parsed.think or "<think>" in parsed.text or "</think>" in parsed.text:
        found["think_leak"] = f"{len(parsed.think)} think block(s) in the output"
    if len(calls) > 1:
        found["multiple_calls"] = f"{len(calls)} tool calls"
    if calls and parsed.before:
        found["preamble"] = f"text before the call: {_short(parsed.before)}"
    if calls and parsed.after:
        found["trailing_text"] = f"text after the call: {_short(parsed.after)}"
    for i, call in enumerate(calls):
        if call.code is not None and (problem := syntax_problem(call.code)):
            found.setdefault("syntax_error", f"call {i + 1}: {problem}")
    return found


def diagnose(parsed: ParsedResponse, *, expect_tool: bool, finish_reason: str | None = None) -> Diagnosis:
    """The most severe label that applies, the others in ``also``, and why."""
    found = _findings(parsed, expect_tool, finish_reason)
    labels = [label for label in PRECEDENCE if label in found]
    if not labels:
        detail = "well-formed tool call" if parsed.calls else "prose, no tool call"
        return Diagnosis(label="ok", detail=detail, format_failure=False)
    label = labels[0]
    format_failure = label in FORMAT_LABELS or (label == "empty" and expect_tool)
    return Diagnosis(label=label, detail=found[label], format_failure=format_failure, also=tuple(labels[1:]))


__all__ = [
    "FORMAT_LABELS",
    "MARKUP",
    "PRECEDENCE",
    "announces_only",
    "diagnose",
    "is_announcement",
    "repeated_chunk",
    "repeated_line",
    "stray_markup",
    "syntax_problem",
]
