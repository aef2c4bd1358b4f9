"""The contracts a training dataset (chat JSONL) must keep, checked line by line.

Each broken contract is a ``Violation`` naming ``file:line`` and the field. Contracts:

    schema         the line is a chat example valid against data/formats/chat-example.json
    system_prompt  the first message is a system prompt, and a file's examples include the one the
                   eval suite asks under (other prompts beside it make a model robust to the user's)
    preambles      no text before the tool call of an assistant message
    announcements  no announce-then-stop turn ("I'll run the type checker." → nudge → call)
    tool_results   tool results are user turns wrapped once in <tool_response> (no tool role)
    calls          one call per assistant message, <tool_call><function=execute_code><parameter=code>,
                   closed, and it parses (two calls are ``multiple_calls`` to the scorer too)
    tools          the code calls only known tools
    arguments      each known tool's call binds to its signature, with literal values of the right type
    fields         every attribute read on a tool result is a real field of its type
    tags           <tool_call>, <function>, <parameter>, <tool_response>, <think> are balanced
    duplicates     no exact duplicate within a file, no valid/test example also in train
    leakage        no user prompt equals or nearly equals an eval query prompt (see leakage.py)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from punie_eval.jsonl import Record, read_chat
from punie_eval.paths import format_schema
from punie_eval.registry import ToolRegistry
from punie_eval.scoring.parsing import well_formed
from punie_eval.scoring.rules import type_problems
from punie_eval.training import chatfacts
from punie_eval.training.leakage import LeakIndex
from punie_eval.types import CallSite

CONTRACTS = (
    "schema",
    "system_prompt",
    "preambles",
    "announcements",
    "tool_results",
    "calls",
    "tools",
    "arguments",
    "fields",
    "tags",
    "duplicates",
    "leakage",
)


@dataclass(frozen=True)
class Violation:
    contract: str
    where: str  # file:line
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.contract}] {self.detail}"


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """The schema with its local ``#/$defs/...`` references replaced by their targets (same
    meaning; resolving references per line dominated the validation time)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@cache
def chat_validator() -> Draft202012Validator:
    schema = json.loads(format_schema("chat-example").read_text(encoding="utf-8"))
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def schema_problems(value: Any) -> list[str]:
    """JSON Schema violations of one line, each '<field path>: <message>'."""
    if chat_validator().is_valid(value):
        return []
    out = []
    for err in sorted(chat_validator().iter_errors(value), key=lambda e: list(e.absolute_path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
        out.append(f"{path or '<line>'}: {err.message[:200]}")
    return out


def argument_problems(site: CallSite, registry: ToolRegistry) -> list[str]:
    spec = registry.tool(site.tool)
    names = spec.param_names
    problems = []
    if site.positional > len(names):
        problems.append(f"{site.tool} takes at most {len(names)} positional arguments, got {site.positional}")
    bound = set(names[: site.positional]) | set(site.keywords)
    problems += [f"{site.tool} has no parameter {k!r}" for k in site.keywords if k not in names and k != "**"]
    missing = [p for p in spec.required if p not in bound]
    if missing and not site.unpacked:
        problems.append(f"{site.tool} must get {', '.join(missing)}, got {site.positional} positional")
    problems += type_problems(site, registry)
    return problems


def message_violations(
    where: str, messages: Sequence[Mapping[str, str]], registry: ToolRegistry, system_prompt: str | None
) -> list[Violation]:
    out: list[Violation] = []
    if system_prompt is not None and (messages[0].get("role") != "system" or not messages[0].get("content")):
        out.append(Violation("system_prompt", where, "messages[0] must be a system prompt"))
    for i in chatfacts.announce_turns(messages):
        out.append(
            Violation(
                "announcements", where, f"messages[{i}] announces a call without making it: {messages[i]['content']!r}"
            )
        )
    for i, message in enumerate(messages):
        field = f"messages[{i}]"
        content = message.get("content", "")
        out += [Violation("tags", where, f"{field}.content: {p}") for p in chatfacts.tag_problems(content)]
        if message.get("role") == "tool":
            out.append(Violation("tool_results", where, f"{field}.role must be user for a tool result, got 'tool'"))
        if message.get("role") != "assistant":
            continue
        if text := chatfacts.preamble(message):
            out.append(Violation("preambles", where, f"{field} has text before its tool call: {text[:60]!r}"))
        out += _call_violations(where, field, message, registry)
    return out


def _call_violations(where: str, field: str, message: Mapping[str, str], registry: ToolRegistry) -> list[Violation]:
    out = []
    calls = chatfacts.parsed(message["content"]).calls
    if len(calls) > 1:
        out.append(Violation("calls", where, f"{field} must make one tool call, got {len(calls)}"))
    for call in calls:
        if not well_formed(call):
            out.append(Violation("calls", where, f"{field} has a malformed call: {call.raw[:60]!r}"))
    for info in chatfacts.analyses(message, registry):
        if info.syntax_error:
            out.append(Violation("calls", where, f"{field} code does not parse: {info.syntax_error}"))
        for site in info.calls:
            if not site.known:
                out.append(Violation("tools", where, f"{field} calls unknown tool {site.tool!r} (line {site.line})"))
            else:
                out += [Violation("arguments", where, f"{field}: {p}") for p in argument_problems(site, registry)]
        for read in info.field_reads:
            if not read.valid:
                out.append(
                    Violation("fields", where, f"{field} reads {read.type_name}.{read.field}, which is not a field")
                )
    return out


def user_prompts(messages: Sequence[Mapping[str, str]]) -> list[str]:
    return [m.get("content", "") for m in messages if m.get("role") == "user" and not chatfacts.is_tool_result(m)]


def _split(path: Path) -> str:
    return path.stem


def check_files(
    files: Iterable[Path],
    registry: ToolRegistry,
    *,
    system_prompt: str | None = None,
    leak_index: LeakIndex | None = None,
) -> list[Violation]:
    """Every violation in ``files`` (train is read first, so valid/test overlaps are found)."""
    out: list[Violation] = []
    train_keys: set[str] = set()
    for path in sorted(files, key=lambda p: (_split(p) != "train", p.name)):
        records, errors = read_chat(path)
        out += [Violation("schema", e.where, e.what) for e in errors]
        out += check_records(
            records, registry, system_prompt=system_prompt, leak_index=leak_index, train_keys=train_keys
        )
    return out


def check_records(
    records: Sequence[Record],
    registry: ToolRegistry,
    *,
    system_prompt: str | None = None,
    leak_index: LeakIndex | None = None,
    train_keys: set[str] | None = None,
) -> list[Violation]:
    out: list[Violation] = []
    seen: dict[str, int] = {}
    train_keys = set() if train_keys is None else train_keys
    for record in records:
        where = record.where
        out += [Violation("schema", where, p) for p in schema_problems(record.value)]
        out += message_violations(where, record.messages, registry, system_prompt)
        key = json.dumps(record.value, sort_keys=True, ensure_ascii=False)
        if key in seen:
            out.append(Violation("duplicates", where, f"exact duplicate of line {seen[key]}"))
        elif _split(record.path) != "train" and key in train_keys:
            out.append(Violation("duplicates", where, "also in train (train/valid overlap)"))
        seen.setdefault(key, record.line)
        if leak_index is not None:
            for prompt in user_prompts(record.messages):
                if (leak := leak_index.check(prompt)) is not None:
                    out.append(
                        Violation(
                            "leakage",
                            where,
                            f"{leak.rule} match ({leak.score:.0f}) of eval query {leak.query_id}: {prompt[:80]!r}",
                        )
                    )
    if records and _split(records[0].path) == "train":
        train_keys.update(seen)
    if system_prompt is not None and records and not any(_asked_under(r, system_prompt) for r in records):
        detail = f"no example is asked under the system prompt evaluated under: {system_prompt[:60]!r}"
        out.append(Violation("system_prompt", records[0].where, detail))
    return out


def _asked_under(record: Record, system_prompt: str) -> bool:
    first = record.messages[0] if record.messages else {}
    return first.get("role") == "system" and first.get("content") == system_prompt
