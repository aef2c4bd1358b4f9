"""JSON text read the same way by every reader, with Python's own limits turned into JSON errors.

``json.loads`` fails three ways that ``json.JSONDecodeError`` does not cover: arrays or
objects nested past the recursion limit raise ``RecursionError`` (and a value nested just
below it crashes whatever walks it next: jsonschema, ``repr``, ``json.dumps``); an integer
longer than ``sys.get_int_max_str_digits()`` digits raises a plain ``ValueError``; and
``NaN``/``Infinity`` are accepted although they are not JSON. :func:`loads` refuses the first
two as :class:`JsonLimitError`, a ``JSONDecodeError`` with the line and column of the
offending value, so each caller's existing "invalid JSON at line:column" message covers them.
``NaN`` stays accepted here (results files never hold it); readers of probabilities check
them with ``values.fraction``.

:func:`lone_surrogate` finds a string holding a lone surrogate (``"\\udc80"`` is valid JSON,
but no UTF-8 writer and no tokenizer can encode it), naming the JSON path that holds it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 200  # far deeper than any suite, results file or chat line; far below the recursion limit
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonLimitError(json.JSONDecodeError):
    """Valid-looking JSON beyond what punie-eval reads: nested too deep, or an integer too long."""


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _problem(text: str) -> tuple[str, int]:
    """The first value past a limit in ``text``: (message, character offset)."""
    digits = sys.get_int_max_str_digits() or sys.maxsize
    depth = 0
    for token in _TOKEN.finditer(text):
        kind = token.group()[0]
        if kind in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"arrays and objects must nest at most {MAX_DEPTH} levels deep, got more", token.start()
        elif kind in "]}":
            depth -= 1
        elif kind != '"' and token.group().lstrip("-").isdigit() and len(token.group().lstrip("-")) > digits:
            n = len(token.group().lstrip("-"))
            return f"integers must have at most {digits} digits, got one of {n} digits", token.start()
    return "value must be within Python's limits for JSON, got one beyond them", 0


def loads(text: str) -> Any:
    """``json.loads``, raising :class:`JsonLimitError` for values nested too deep or integers too long."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):  # ValueError: an integer past the int-string limit
        message, offset = _problem(text)
        raise JsonLimitError(message, text, offset) from None
    if _depth(value) > MAX_DEPTH:
        message, offset = _problem(text)
        raise JsonLimitError(message, text, offset)
    return value


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in ``value`` (object keys too) with its path; ``value`` is at most MAX_DEPTH deep."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield path, key
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _strings(child, (*path, i))


def lone_surrogate(value: Any) -> tuple[tuple[str | int, ...], str, int] | None:
    """The first string holding a lone surrogate: (path, the surrogate, its offset), or None."""
    for path, text in _strings(value):
        found = _SURROGATE.search(text)
        if found is not None:
            return path, found.group(), found.start()
    return None


__all__ = ["MAX_DEPTH", "JsonLimitError", "loads", "lone_surrogate"]
