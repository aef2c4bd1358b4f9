"""Facts about chat messages that the audit, the cleaner and the data contracts share.

- a *tool-call message*: an assistant message with at least one tool call (``parse_response``);
- its *preamble*: non-whitespace text before the first call;
- a *real call*: a well-formed Code Mode call (``parsing.well_formed``); the cleaner only ever
  removes text before one, so prose that names a tag or shows a JSON fence is never touched;
- its *tools*: each distinct known tool its code calls (``analyze_code``), in order of first call;
  a message counts once for EACH of them: the rule under which the seed's table
  (goto_definition 93/134, typecheck 0/80, ...) holds;
- an *announce-then-stop turn*: an assistant message with no call that announces one
  ("I'll run the type checker."), followed by a user nudge ("Show me the results.") and then
  the assistant's call;
- a *tool result*: a user (or ``tool``) message whose content starts with ``<tool_response>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from punie_eval.registry import ToolRegistry
from punie_eval.scoring.codeinfo import analyze_code
from punie_eval.scoring.parsing import parse_response, well_formed
from punie_eval.types import CodeInfo, ParsedResponse

Message = Mapping[str, str]
TOOL_RESPONSE_OPEN, TOOL_RESPONSE_CLOSE = "<tool_response>", "</tool_response>"
ANNOUNCE = re.compile(r"^(I'll|I will|I'm going to|I am going to|Let me|Let's)\b", re.IGNORECASE)
ANNOUNCE_MAX_CHARS = 200
TAGS = ("tool_call", "function", "parameter", "tool_response", "think")


@lru_cache(maxsize=65536)
def parsed(content: str) -> ParsedResponse:
    return parse_response(content)


def is_call(message: Message) -> bool:
    return message.get("role") == "assistant" and bool(parsed(message.get("content", "")).calls)


def starts_real_call(message: Message) -> bool:
    """An assistant message whose first call is a well-formed Code Mode call."""
    if not is_call(message):
        return False
    return well_formed(parsed(message["content"]).calls[0])


def preamble(message: Message) -> str:
    """The stripped text before the first call of an assistant message ('' when none or no call)."""
    if not is_call(message):
        return ""
    return parsed(message["content"]).before


def codes(message: Message) -> list[str]:
    return [call.code for call in parsed(message.get("content", "")).calls if call.code is not None]


@lru_cache(maxsize=65536)
def _analyze(code: str, registry: ToolRegistry) -> CodeInfo:
    return analyze_code(code, registry)


def analyses(message: Message, registry: ToolRegistry) -> list[CodeInfo]:
    return [_analyze(code, registry) for code in codes(message)]


def tools_called(message: Message, registry: ToolRegistry) -> tuple[str, ...]:
    """Each distinct known tool the message's code calls, in order of first call."""
    seen: dict[str, None] = {}
    for info in analyses(message, registry):
        for call in info.calls:
            if call.known:
                seen.setdefault(call.tool)
    return tuple(seen)


def is_tool_result(message: Message) -> bool:
    return message.get("role") in {"user", "tool"} and message.get("content", "").lstrip().startswith(
        TOOL_RESPONSE_OPEN
    )


def is_announcement(message: Message) -> bool:
    content = message.get("content", "").strip()
    return (
        message.get("role") == "assistant"
        and not is_call(message)
        and len(content) <= ANNOUNCE_MAX_CHARS
        and bool(ANNOUNCE.match(content))
    )


def announce_turns(messages: Sequence[Message]) -> list[int]:
    """Indices of announce-then-stop turns: announcement, then a user nudge, then the call."""
    found = []
    for i in range(len(messages) - 2):
        nudge, call = messages[i + 1], messages[i + 2]
        if is_announcement(messages[i]) and nudge.get("role") == "user" and not is_tool_result(nudge) and is_call(call):
            found.append(i)
    return found


def tag_problems(content: str) -> list[str]:
    """Unbalanced XML-ish tags of the wire format, e.g. '<tool_call> opened 1 time(s), closed 0'."""
    problems = []
    for tag in TAGS:
        opened = len(re.findall(rf"<{tag}(?:>|=)", content))
        closed = content.count(f"</{tag}>")
        if opened != closed:
            problems.append(f"<{tag}> opened {opened} time(s), closed {closed}")
    return problems
