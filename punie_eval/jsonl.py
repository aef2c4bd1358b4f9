"""Chat JSONL (mlx-lm ``{"messages": [...]}``) read with line numbers.

Every problem is a ``DataError("file:line", "<field> must be <rule>, got <value>")``. Reading
never stops at the first bad line: each line is checked on its own, so one invalid JSON line
does not hide the others. Handles an empty file, a UTF-8 BOM, invalid UTF-8, a line that is an
array, blank lines, very long lines (values in messages are shortened) and lone surrogates
(``"\\udc80"`` escapes: valid JSON, but no tokenizer can encode them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_eval import jsontext
from punie_eval.atomic import write_text
from punie_eval.errors import DataError

ROLES = ("system", "user", "assistant", "tool")
BOM = b"\xef\xbb\xbf"
TOP_KEYS = ("messages", "tools")  # what mlx-lm's ChatDataset reads from a chat line
MESSAGE_KEYS = ("role", "content")
_SURROGATE = re.compile("[\ud800-\udfff]")  # only from JSON escapes: UTF-8 cannot encode them


@dataclass(frozen=True)
class Record:
    """One valid chat line."""

    path: Path
    line: int
    messages: tuple[Mapping[str, str], ...]
    value: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def _raw_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    if data.startswith(BOM):
        data = data[len(BOM) :]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline ends the last line; it does not start a new one
    yield from enumerate(lines, start=1)


def line_problems(value: Any) -> list[str]:
    """What is wrong with one parsed chat line, field by field (empty when valid)."""
    if not isinstance(value, dict):
        return [f"line must be a JSON object, got {type(value).__name__}"]
    problems = [f"key {key!r} must be one of {', '.join(TOP_KEYS)}" for key in value if key not in TOP_KEYS]
    messages = value.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, f"messages must be a non-empty array, got {_short(messages)}"]
    if "tools" in value and not isinstance(value["tools"], list):
        problems.append(f"tools must be an array, got {_short(value['tools'])}")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            problems.append(f"{where} must be an object, got {_short(message)}")
            continue
        problems += [f"{where}.{k} is not allowed (only role, content)" for k in message if k not in MESSAGE_KEYS]
        role = message.get("role")
        if role not in ROLES:
            problems.append(f"{where}.role must be one of {', '.join(ROLES)}; got {_short(role)}")
        content = message.get("content")
        if not isinstance(content, str):
            problems.append(f"{where}.content must be a string, got {_short(content)}")
        elif (lone := _SURROGATE.search(content)) is not None:
            problems.append(
                f"{where}.content must be valid Unicode, got a lone surrogate {lone.group()!r} at offset {lone.start()}"
            )
    return problems


def escape_surrogates(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with lone surrogates written as ``\\uXXXX`` escapes.

    A string holding a lone surrogate (an escaped one in a server's JSON, say) cannot be encoded
    as UTF-8; escaped, the file is valid UTF-8 and reads back to the same string.
    """
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def read_chat(path: Path, data: bytes | None = None) -> tuple[list[Record], list[DataError]]:
    """Every valid line as a Record, and every problem (all lines are checked).

    ``data`` is the file's bytes when the caller already read them (to hash exactly what it parses).
    """
    path = Path(path)
    records: list[Record] = []
    errors: list[DataError] = []
    try:
        raw = list(_raw_lines(path.read_bytes() if data is None else data))
    except OSError as err:
        return [], [DataError(str(path), f"cannot be read: {err.strerror or err}")]
    if not raw:
        return [], [DataError(f"{path}:1", "file must contain at least one example, got an empty file")]
    for number, chunk in raw:
        where = f"{path}:{number}"
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as err:
            errors.append(
                DataError(where, f"line must be UTF-8, got byte {chunk[err.start]:#04x} at offset {err.start}")
            )
            continue
        if not text.strip():
            errors.append(DataError(where, "line must hold a JSON object, got a blank line"))
            continue
        try:
            value = jsontext.loads(text)
        except json.JSONDecodeError as err:
            errors.append(DataError(where, f"line must be valid JSON, got {err.msg} at column {err.colno}"))
            continue
        problems = line_problems(value)
        if problems:
            errors += [DataError(where, p) for p in problems]
            continue
        records.append(Record(path, number, tuple(value["messages"]), value))
    return records, errors


def load_chat(path: Path, data: bytes | None = None) -> list[Record]:
    """The records of a file that must be fully valid; raises the first problem."""
    records, errors = read_chat(path, data)
    if errors:
        more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
        first = errors[0]
        raise DataError(first.where, first.what + more)
    return records


def dumps(record: Mapping[str, Any]) -> str:
    """One JSONL line, key order as given, UTF-8 kept readable: the byte-stable output format."""
    return escape_surrogates(json.dumps(record, ensure_ascii=False)) + "\n"


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write atomically: a temporary file in the same folder, then rename over ``path``."""
    write_text(path, "".join(dumps(r) for r in records))
