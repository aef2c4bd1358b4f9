"""Converters that check one option value each and raise ``UsageError`` naming where it came from.

Kept apart from :mod:`punie_eval.options` (which resolves a whole run) so that the suite
loader and the CLI can check a value without importing the run's machinery.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from punie_eval.errors import UsageError


def existing_path(where: str, value: str) -> Path:
    path = Path(value).expanduser()
    if not path.exists():
        raise UsageError(f"{where}: {value} does not exist")
    return path


def existing_file(where: str, value: str) -> Path:
    path = existing_path(where, value)
    if not path.is_file():
        raise UsageError(f"{where}: {value} is not a file")
    return path


def existing_dir(where: str, value: str) -> Path:
    path = existing_path(where, value)
    if not path.is_dir():
        raise UsageError(f"{where}: {value} is not a directory")
    return path


def fraction(where: str, value: str | float) -> float:
    """A probability: a finite number in [0, 1]; ``nan`` and ``inf`` are refused by name, not by accident."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where} must be a number between 0 and 1, got {value!r}") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise UsageError(f"{where} must be between 0 and 1, got {value}")
    return number


def positive_int(where: str, value: str | int) -> int:
    return whole_number(where, value, 1)


def whole_number(where: str, value: str | int, minimum: int = 0) -> int:
    """An integer of at least ``minimum`` (``--canary 0`` is allowed, ``--repeats 0`` is not)."""
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{where} must be {kind}, got {value!r}") from None
    if number < minimum:
        raise UsageError(f"{where} must be {kind}, got {value}")
    return number


def finite_number(where: str, value: str | float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{where} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise UsageError(f"{where} must be a finite number, got {value}")
    return number


def batch_size(where: str, value: str | int) -> int | Literal["auto"]:
    """``auto`` (sized from the model's KV cache and free memory) or a positive integer."""
    if value == "auto":
        return "auto"
    try:
        return whole_number(where, value, 1)
    except UsageError:
        raise UsageError(f"{where} must be auto or a positive integer, got {value!r}") from None


def floor_pairs(where: str, values: Sequence[str], categories: Sequence[str]) -> dict[str, float]:
    """``CATEGORY=VALUE`` pairs, each naming a category of the suite."""
    floors: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise UsageError(f"{where} must be CATEGORY=VALUE, got {item!r}")
        if name not in categories:
            raise UsageError(f"{where} category must be one of {', '.join(categories)}; got {name!r}")
        floors[name] = fraction(f"{where} {name}", raw)
    return floors


def prompt_text(where: str, value: str) -> str:
    """``TEXT``, or ``@FILE`` for the UTF-8 text of a file (one trailing newline dropped)."""
    if not value.startswith("@"):
        text = value
    else:
        path = existing_file(where, value[1:])
        try:
            text = path.read_text(encoding="utf-8").removesuffix("\n")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"{where}: {path} must be a readable UTF-8 text file, got {err}") from None
    if not text.strip():
        raise UsageError(f"{where} must be a non-empty system prompt, got {value!r}")
    return text


def seconds(where: str, value: str | float) -> float:
    """A positive, finite number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{where} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise UsageError(f"{where} must be a positive number of seconds, got {value}")
    return number


def json_object(where: str, value: str) -> dict[str, Any]:
    """A JSON object given on the command line (``'{"enable_thinking": false}'``)."""
    try:
        parsed = json.loads(value)
    except ValueError as err:
        raise UsageError(f"{where} must be a JSON object, got {value!r} ({err})") from None
    if not isinstance(parsed, dict):
        raise UsageError(f"{where} must be a JSON object, got {value!r}")
    return parsed
