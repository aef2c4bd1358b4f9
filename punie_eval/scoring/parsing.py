"""Raw model text → every tool call in it, well-formed or a near miss. Never raises.

A call is found wherever one of these starts (outside ``<think>`` blocks):

    <tool_call><function=NAME><parameter=P>…</parameter></function></tool_call>   xml, wrapped
    <function=NAME>…</function>                          xml, wrapped=False (missing wrapper)
    <tool_call>{"name": …, "arguments": {…}}</tool_call>   style="json", wrapped
    ```json {"name": …, "arguments": {…}} ```            style="json", wrapped=False

Unclosed tags take their content up to the next call or the end of the text (closed=False).
A tag that is only *mentioned* in a sentence is not a call: ``<tool_call>`` or
``<function=NAME>`` directly followed by a quote, a backtick or punctuation, or by a space and
more words ("wrap it in <tool_call> tags"); a call's tag is followed by a newline, ``<``,
``{`` or its code. A fenced JSON object is a call only with ``"arguments"`` or ``"parameters"``
(an example ``package.json`` has a ``"name"`` too).
Function and parameter handling follows ``mlx_lm.tool_parsers.qwen3_coder`` (same name rule,
exactly one leading and one trailing newline stripped from a parameter value); it is
mirrored rather than imported because importing it loads ``mlx_lm`` and with it MLX, which
the scorer must not do. ``tests/test_parsing.py`` checks both agree on well-formed calls.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from typing import Any

from punie_eval.types import ParsedResponse, ToolCall

TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
FUNCTION_OPEN, FUNCTION_CLOSE = "<function=", "</function>"
PARAMETER_OPEN, PARAMETER_CLOSE = "<parameter=", "</parameter>"
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

_NAME = re.compile(r"\s*([^\s<>]+)>?")  # qwen3_coder's _name_regex
_START = re.compile(r"<tool_call>|<function=|```(?:json)?[ \t]*\n")
_FENCE_CLOSE = "```"
_MENTION_AFTER = re.compile(r"[`'\"),.;:!?]|[ \t]+[^\s<{]")

Span = tuple[int, int]


def _strip_one_newline(value: str) -> str:
    """Exactly what qwen3_coder does to a parameter value."""
    if value.startswith("\n"):
        value = value[1:]
    if value.endswith("\n"):
        value = value[:-1]
    return value


def _think_spans(text: str) -> list[Span]:
    """<think>…</think> blocks; an unclosed one runs to the next call (or the end); a stray
    </think> closes the text before it."""
    spans: list[Span] = []
    pos = 0
    while True:
        open_at = text.find(THINK_OPEN, pos)
        close_at = text.find(THINK_CLOSE, pos)
        if close_at != -1 and (open_at == -1 or close_at < open_at):  # stray </think>
            spans.append((pos, close_at + len(THINK_CLOSE)))
            pos = close_at + len(THINK_CLOSE)
            continue
        if open_at == -1:
            return spans
        close_at = text.find(THINK_CLOSE, open_at)
        if close_at == -1:  # unclosed: it runs to the first call after it, or to the end
            calls_at = [i for i in (text.find(TOOL_CALL_OPEN, open_at), text.find(FUNCTION_OPEN, open_at)) if i != -1]
            end = min(calls_at, default=len(text))
        else:
            end = close_at + len(THINK_CLOSE)
        spans.append((open_at, end))
        pos = end


def _think_text(text: str, span: Span) -> str:
    chunk = text[span[0] : span[1]]
    return chunk.removeprefix(THINK_OPEN).removesuffix(THINK_CLOSE).strip()


def _parse_function(body: str) -> tuple[str | None, dict[str, str], bool]:
    """``NAME>…<parameter=…`` (after ``<function=``) → name, params, every parameter closed."""
    name_match = _NAME.match(body)
    if name_match is None:
        return None, {}, True
    params: dict[str, str] = {}
    closed = True
    rest = body[name_match.end() :]
    pos = rest.find(PARAMETER_OPEN)
    while pos != -1:
        start = pos + len(PARAMETER_OPEN)
        next_open = rest.find(PARAMETER_OPEN, start)
        close = rest.find(PARAMETER_CLOSE, start)
        if close == -1 or (next_open != -1 and next_open < close):
            closed = False
            end = next_open if next_open != -1 else len(rest)
            after = end
        else:
            end, after = close, close + len(PARAMETER_CLOSE)
        chunk = rest[start:end]
        param_match = _NAME.match(chunk)
        if param_match is not None:
            params.setdefault(param_match.group(1), _strip_one_newline(chunk[param_match.end() :]))
        pos = rest.find(PARAMETER_OPEN, after)
    return name_match.group(1), params, closed


def _json_call(body: str, *, need_arguments: bool = False) -> tuple[str | None, dict[str, str]] | None:
    """``{"name": …, "arguments": {…}}`` → name and params as text; None if it is not one."""
    try:
        value: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or "name" not in value:
        return None
    if need_arguments and not ("arguments" in value or "parameters" in value):
        return None
    arguments: Any = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except (ValueError, RecursionError):
            arguments = {"arguments": arguments}
    params: dict[str, str] = {}
    if isinstance(arguments, dict):
        for key, val in arguments.items():
            params[str(key)] = val if isinstance(val, str) else json.dumps(val)
    name = value["name"]
    return (name if isinstance(name, str) else None), params


def _xml_call(text: str, start: int, body_start: int, body_end: int, end: int, wrapped: bool, closed: bool) -> ToolCall:
    """A call whose body (text[body_start:body_end]) may hold ``<function=…>`` or JSON."""
    body = text[body_start:body_end]
    stripped = body.strip()
    if wrapped and stripped.startswith("{"):
        parsed = _json_call(stripped)
        if parsed is not None:
            name, params = parsed
            return ToolCall(name, params.get("code"), params, text[start:end], start, end, wrapped, closed, "json")
    fn_at = body.find(FUNCTION_OPEN) if wrapped else 0
    if fn_at == -1:  # <tool_call> with no <function=…> inside
        return ToolCall(None, None, {}, text[start:end], start, end, wrapped, closed)
    fn_body = body[fn_at + len(FUNCTION_OPEN) :]
    fn_close = fn_body.find(FUNCTION_CLOSE)
    if fn_close == -1:
        closed = False
    else:
        fn_body = fn_body[:fn_close]
    name, params, params_closed = _parse_function(fn_body)
    return ToolCall(name, params.get("code"), params, text[start:end], start, end, wrapped, closed and params_closed)


def _inside(pos: int, spans: list[Span]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _next_boundary(text: str, pos: int, wrapped: bool) -> int:
    """Where an unclosed call ends: the next <tool_call> (or, for a bare function, <function=)."""
    ends = [text.find(TOOL_CALL_OPEN, pos)]
    if not wrapped:
        ends.append(text.find(FUNCTION_OPEN, pos))
    return min((e for e in ends if e != -1), default=len(text))


def _mentioned(text: str, start: int, end: int) -> bool:
    """The tag at text[start:end] is named in a sentence, not opened (see the module docstring)."""
    if text.startswith(FUNCTION_OPEN, start):
        name = _NAME.match(text, end)
        if name is None or not name.group().endswith(">"):
            return False
        end = name.end()
    return (start > 0 and text[start - 1] == "`") or _MENTION_AFTER.match(text, end) is not None


def well_formed(call: ToolCall) -> bool:
    """A real Code Mode call: <tool_call><function=execute_code><parameter=code>…, all closed."""
    return (
        call.style == "xml"
        and call.wrapped
        and call.closed
        and call.function == "execute_code"
        and call.code is not None
    )


def _find_calls(text: str, think: list[Span]) -> list[ToolCall]:
    calls: list[ToolCall] = []
    pos = 0
    while (match := _START.search(text, pos)) is not None:
        start = match.start()
        if _inside(start, think):
            pos = next(b for a, b in think if a <= start < b)
            continue
        token = match.group()
        if token in (TOOL_CALL_OPEN, FUNCTION_OPEN) and _mentioned(text, start, match.end()):
            pos = match.end()
            continue
        if token in (TOOL_CALL_OPEN, FUNCTION_OPEN):
            wrapped = token == TOOL_CALL_OPEN
            closer = TOOL_CALL_CLOSE if wrapped else FUNCTION_CLOSE
            limit = _next_boundary(text, match.end(), wrapped)
            close = text.find(closer, match.end(), limit)
            closed = close != -1
            end = close + len(closer) if closed else limit
            body_start, body_end = (match.end(), close if closed else limit) if wrapped else (start, end)
            calls.append(_xml_call(text, start, body_start, body_end, end, wrapped=wrapped, closed=closed))
            pos = end
        else:  # a ``` fence: a call only if it holds a JSON object with a name
            close = text.find(_FENCE_CLOSE, match.end())
            body_end = close if close != -1 else len(text)
            parsed = _json_call(text[match.end() : body_end].strip(), need_arguments=True)
            if parsed is None:
                pos = match.end()
                continue
            end = close + len(_FENCE_CLOSE) if close != -1 else len(text)
            name, params = parsed
            raw = text[start:end]
            calls.append(ToolCall(name, params.get("code"), params, raw, start, end, False, close != -1, "json"))
            pos = end
    return calls


def _outside(text: str, lo: int, hi: int, think: list[Span]) -> str:
    """text[lo:hi] without the think blocks in it, stripped."""
    parts, pos = [], lo
    for a, b in think:
        if b <= lo or a >= hi:
            continue
        parts.append(text[pos : max(a, pos)])
        pos = max(pos, min(b, hi))
    parts.append(text[pos:hi])
    return "".join(parts).strip()


def parse_response(text: str) -> ParsedResponse:
    """Every tool call, the think blocks, and the prose around them."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    think = _think_spans(text)
    calls = _find_calls(text, think)
    if not calls:  # all of the text comes before the call that never came
        before = prose = _outside(text, 0, len(text), think)
        after = ""
    else:
        before = _outside(text, 0, calls[0].start, think)
        after = _outside(text, calls[-1].end, len(text), think)
        gaps = [before]
        gaps += [_outside(text, a.end, b.start, think) for a, b in pairwise(calls)]
        prose = "\n".join(g for g in [*gaps, after] if g)
    return ParsedResponse(
        text=text,
        calls=tuple(calls),
        think=tuple(_think_text(text, span) for span in think),
        before=before,
        after=after,
        prose=prose,
    )


__all__ = [
    "parse_response",
    "strip_leading_think",
    "well_formed",
]


def strip_leading_think(text: str) -> str:
    """``text`` without one leading, complete ``<think>…</think>`` block (a thinking model's reasoning).

    Anything else is returned unchanged: no block, a block that does not come first, or an
    unclosed one (which stays a format failure).
    """
    body = text.lstrip()
    if not body.startswith(THINK_OPEN):
        return text
    close = body.find(THINK_CLOSE)
    return text if close == -1 else body[close + len(THINK_CLOSE) :].lstrip()
