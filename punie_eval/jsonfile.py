"""A JSON data file read for validation, and where in its text a problem is.

The validators (query suite, tool registry) report ``file:line: field must be ...``: this
module reads the file (UTF-8, a byte order mark dropped, invalid bytes named by line),
parses it with :mod:`punie_eval.jsontext`, and finds the line of a key or of a named entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jsonschema import ValidationError

from punie_eval import jsontext
from punie_eval.errors import DataError


def read_text(path: Path, error: type[DataError], what: str) -> str:
    """The file as text; ``what`` names the file in the messages ("query suite file")."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(str(path), f"{what} does not exist") from None
    except OSError as err:
        raise error(str(path), f"cannot be read: {err.strerror or err}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise error(
            f"{path}:{line}", f"file must be UTF-8, got byte {data[err.start]:#04x} at offset {err.start}"
        ) from None


def read_json(path: Path, error: type[DataError], what: str) -> tuple[str, Any]:
    """(text, value) of a JSON file holding an object; bad JSON is named by line and column."""
    text = read_text(path, error, what)
    if not text.strip():
        raise error(f"{path}:1", "file must hold a JSON object, got an empty file")
    try:
        return text, jsontext.loads(text)
    except json.JSONDecodeError as err:
        raise error(f"{path}:{err.lineno}", f"invalid JSON: {err.msg} at column {err.colno}") from None


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _offset(text: str, line: int) -> int:
    return sum(len(part) for part in text.splitlines(keepends=True)[: line - 1])


def key_line(text: str, key: str, after: int = 1) -> int:
    """The line of the first ``"key":`` at or after line ``after`` (``after`` when absent)."""
    start = _offset(text, after)
    match = re.search(rf'"{re.escape(key)}"\s*:', text[start:])
    return _line_at(text, start + match.start()) if match else after


def entry_line(text: str, key: str, value: str, nth: int = 0, after: int = 1) -> int:
    """The line of the ``nth`` ``"key": "value"`` at or after line ``after`` (that line when absent).

    Entries are found by their name as the file spells it, so a duplicate is found as the
    second occurrence of its name.
    """
    encoded = json.dumps(value, ensure_ascii=False)
    start = _offset(text, after)
    matches = list(re.finditer(rf'"{re.escape(key)}"\s*:\s*{re.escape(encoded)}', text[start:]))
    return _line_at(text, start + matches[nth].start()) if len(matches) > nth else after


def json_path(parts: Sequence[Any]) -> str:
    """``queries[3].turn2.tools``, or ``<root>``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def schema_message(error: ValidationError) -> str:
    """jsonschema's message with the offending value shortened (it starts with the value's repr)."""
    shown, message = repr(error.instance), str(error.message)
    if len(shown) > 80 and message.startswith(shown):
        return shown[:75] + "..." + message[len(shown) :]
    return message


__all__ = ["entry_line", "json_path", "key_line", "read_json", "read_text", "schema_message"]
