"""A scored query as a reviewable snapshot record, and its rendering as deterministic YAML.

    QueryScore ──snapshot_record──▶ record (plain dict, fixed key order) ──render_record──▶ YAML text

The record holds what a reviewer needs to see change: per turn the diagnosis, the layer
verdicts, each tool call's code normalised (``ast.unparse``, so whitespace and quoting churn
is not a change) with the code as emitted kept beside it under ``raw``, the tools called with
their literal arguments, and every field read. Nothing machine-dependent goes in: no paths
of the run, hashes, timings, token counts or line numbers (a blank line must not be a change).

``semantic_text`` drops the ``raw`` blocks: two renderings that agree on it are the same
snapshot. Plain Python, no pytest.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from punie_eval.scoring.parsing import parse_response
from punie_eval.types import CallSite, FieldRead, QueryScore, TurnScore

FORMAT = "punie-eval-snapshot/1"
HEADER = f"# {FORMAT}: `raw` blocks are the code as emitted, kept for reading and ignored when comparing\n"
IGNORED_KEYS = frozenset({"raw"})
WRAP = 88

Record = dict[str, Any]


def normalize_code(code: str) -> tuple[str, bool]:
    """(normalised code, parses): ``ast.unparse`` when it parses, else whitespace-collapsed lines."""
    try:
        return ast.unparse(ast.parse(code)), True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        lines = (" ".join(line.split()) for line in code.splitlines())
        return "\n".join(line for line in lines if line), False


def normalize_prose(text: str) -> str:
    """Whitespace-collapsed and wrapped at a fixed width, so re-spacing is not a change."""
    return textwrap.fill(" ".join(text.split()), WRAP, break_long_words=False, break_on_hyphens=False)


_LINE_REF = re.compile(r"\s*\(line \d+\)|,\s*line \d+\b|^line \d+$")


def without_line_numbers(text: str) -> str:
    """Reasons minus their ``(line N)`` / ``, line N`` references: a blank line must not be a change."""
    return _LINE_REF.sub("", text)


def _verdict(passed: bool) -> str:
    return "pass" if passed else "fail"


def _call_line(call: CallSite) -> str:
    args = ", ".join(f"{name}={value!r}" for name, value in call.args.items())
    notes = [f"{call.positional} positional"] if call.positional else []
    if call.keywords:
        notes.append("keywords " + ", ".join(call.keywords))
    if not call.known:
        notes.append("unknown tool")
    return f"{call.tool}({args})" + (f"  [{'; '.join(notes)}]" if notes else "")


def _field_line(read: FieldRead) -> str:
    return f"{read.tool} → {read.path} ({read.type_name}.{read.field}): {'valid' if read.valid else 'INVALID'}"


def _code_entry(code: str) -> Record:
    normalized, parses = normalize_code(code)
    entry: Record = {"code": normalized}
    if not parses:
        entry["parses"] = False
    if code.strip() != normalized:
        entry["raw"] = code.strip("\n")
    return entry


def turn_record(turn: TurnScore) -> Record:
    """One turn: diagnosis, verdicts, layers, prose, normalised calls, tools, field reads."""
    record: Record = {
        "turn": turn.turn,
        "diagnosis": turn.diagnosis.label,
        "detail": without_line_numbers(turn.diagnosis.detail),
    }
    if turn.diagnosis.also:
        record["also"] = list(turn.diagnosis.also)
    if turn.response.finish_reason not in (None, "stop"):
        record["finish"] = turn.response.finish_reason
    failure = turn.failure
    record["soft"] = _verdict(turn.soft)
    record["strict"] = _verdict(turn.strict)
    record["failing_layer"] = failure.name if failure else None
    record["layers"] = [
        f"{layer.name}: {_verdict(layer.passed)}" + (f" — {without_line_numbers(layer.reason)}" if layer.reason else "")
        for layer in turn.layers
    ]
    prose = normalize_prose(turn.prose)
    if prose:
        record["prose"] = prose
    record["calls"] = [_code_entry(code) for code in turn.codes]
    record["tools"] = [_call_line(call) for call in turn.calls]
    record["fields"] = [_field_line(read) for read in turn.field_reads]
    return record


def snapshot_record(score: QueryScore) -> Record:
    """The whole reviewable record of a scored query, keys in a fixed order."""
    return {
        "query": score.query_id,
        "category": score.category,
        "soft": _verdict(score.soft),
        "strict": _verdict(score.strict),
        "failure": without_line_numbers(score.failure) if score.failure else None,
        "turns": [turn_record(turn) for turn in score.turns],
        **({"turn2_skipped": score.skipped_turn2} if score.skipped_turn2 else {}),
    }


# --- rendering: a small, deterministic YAML emitter for str/int/bool/None/list/dict ----------

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
_LINE_BREAKS = frozenset("\x85\u2028\u2029")


def _unprintable(char: str) -> bool:
    return char in _LINE_BREAKS or (char not in "\n\t" and unicodedata.category(char).startswith("C"))


def _quoted(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return "".join(
        (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}") if _unprintable(c) else c for c in out
    )


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return _quoted(text)


def _literal_ok(text: str) -> bool:
    """Whether a multi-line string round-trips through a ``|-`` / ``|`` literal block."""
    if "\n" not in text or text.endswith("\n\n") or text.startswith((" ", "\n", "\t")):
        return False
    body = text.removesuffix("\n")
    return not any(_unprintable(c) for c in body) and all(line == line.rstrip() for line in body.split("\n"))


def _string_lines(prefix: str, text: str, indent: int) -> list[str]:
    if "\n" not in text:
        return [f"{prefix} {_scalar(text)}"]
    if not _literal_ok(text):
        return [f"{prefix} {_quoted(text)}"]
    chomp = "" if text.endswith("\n") else "-"
    pad = " " * (indent + 2)
    return [f"{prefix} |{chomp}"] + [pad + line if line else "" for line in text.removesuffix("\n").split("\n")]


def _value_lines(prefix: str, value: Any, indent: int) -> list[str]:
    """``prefix`` is ``key:`` or ``-``; nested blocks are indented two spaces under ``indent``."""
    pad = " " * (indent + 2)
    if isinstance(value, Mapping):
        if not value:
            return [f"{prefix} {{}}"]
        return [prefix, *_mapping_lines(value, indent + 2)]
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [f"{prefix} []"]
        lines = [prefix]
        for item in value:
            lines += _item_lines(item, indent + 2, pad)
        return lines
    if isinstance(value, str):
        return _string_lines(prefix, value, indent)
    return [f"{prefix} {_scalar(value)}"]


def _item_lines(item: Any, indent: int, pad: str) -> list[str]:
    if isinstance(item, Mapping) and item:
        inner = _mapping_lines(item, indent + 2)
        return [f"{pad}- {inner[0].lstrip()}", *inner[1:]]
    return [pad + line if i == 0 else line for i, line in enumerate(_value_lines("-", item, indent))]


def _mapping_lines(mapping: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in mapping.items():
        first, *rest = _value_lines(f"{_scalar(key)}:", value, indent)
        lines += [pad + first, *rest]
    return lines


def render_record(record: Mapping[str, Any]) -> str:
    """The record as YAML: insertion key order, literal blocks for code, one trailing newline."""
    return HEADER + "\n".join(_mapping_lines(record, 0)) + "\n"


def semantic_text(text: str) -> str:
    """The rendering without its ``raw`` blocks (and comments): what a comparison looks at."""
    kept: list[str] = []
    skip_deeper_than: int | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        if skip_deeper_than is not None:
            if not stripped or depth > skip_deeper_than:
                continue
            skip_deeper_than = None
        if stripped.startswith("#"):
            continue
        key = stripped.removeprefix("- ").split(":", 1)[0]
        if ":" in stripped and key in IGNORED_KEYS:
            skip_deeper_than = depth + (2 if stripped.startswith("- ") else 0)
            continue
        kept.append(line)
    return "\n".join(kept)


_VERDICT = re.compile(r"^(soft|strict): (pass|fail)$", re.MULTILINE)


def verdicts(text: str) -> dict[str, bool]:
    """The top-level soft/strict verdicts of a rendered record (``{}`` when absent)."""
    return {m.group(1): m.group(2) == "pass" for m in _VERDICT.finditer(text)}


__all__ = [
    "FORMAT",
    "normalize_code",
    "normalize_prose",
    "render_record",
    "semantic_text",
    "snapshot_record",
    "turn_record",
    "verdicts",
    "without_line_numbers",
]
