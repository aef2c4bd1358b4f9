"""The rules behind the scoring layers: argument binding, value and keyword matching, rendering.

Small pure functions, so each rule can be tested (and cited in a layer's reason) on its own.
"""

from __future__ import annotations

import re
from typing import Any

from punie_eval.registry import ToolRegistry
from punie_eval.types import CallSite, FieldRead


def normalise(value: Any) -> Any:
    """Path-like strings compare equal regardless of a leading "./" or a trailing "/"."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    while text.startswith("./"):
        text = text[2:]
    text = text.rstrip("/") if text not in ("/", "") else text
    return text or "."


def same_value(expected: Any, got: Any) -> bool:
    if isinstance(expected, bool) != isinstance(got, bool):
        return False
    return bool(normalise(expected) == normalise(got))


def keyword_found(keyword: str, text: str) -> bool:
    """Case-insensitive; a keyword with a digit matches only as a whole token ("2" not in "12")."""
    if any(ch.isdigit() for ch in keyword):
        pattern = rf"(?<![\w.]){re.escape(keyword)}(?!\w|\.\d)"
        return re.search(pattern, text, re.IGNORECASE) is not None
    return keyword.lower() in text.lower()


def render_call(site: CallSite, registry: ToolRegistry) -> str:
    """``run_command('git', ['status'])``: literal values, … for the rest."""
    names = registry.tool(site.tool).param_names if site.known else ()
    parts = []
    for i in range(site.positional):
        key = names[i] if i < len(names) else f"${i}"
        parts.append(repr(site.args[key]) if key in site.args else "…")
    for kw in site.keywords:
        parts.append(f"{kw}={site.args[kw]!r}" if kw in site.args else ("**…" if kw == "**" else f"{kw}=…"))
    return f"{site.tool}({', '.join(parts)})"


def read_as(read: FieldRead, code: str) -> str:
    lines = code.splitlines()
    line = lines[read.line - 1] if 0 < read.line <= len(lines) else ""
    expr = r"[A-Za-z_]\w*(?:\[[^\]]*\]|\.\w+|\([^()]*\))*"  # name, then .attr / [index] / (args)
    match = re.search(rf"{expr}\.{re.escape(read.field)}\b", line)
    return f"read as {match.group(0)}, line {read.line}" if match else f"line {read.line}"


def binding_problem(site: CallSite, registry: ToolRegistry) -> str | None:
    """Why this call does not bind to the tool's signature, or None."""
    spec = registry.tool(site.tool)
    names = spec.param_names
    if site.positional > len(names):
        return f"{site.tool} takes at most {len(names)} positional arguments, got {site.positional}"
    unknown = [k for k in site.keywords if k not in names]
    if unknown:
        return f"{site.tool} has no parameter {', '.join(map(repr, unknown))} (takes {', '.join(names)})"
    given = set(names[: site.positional]) | set(site.keywords)
    twice = [k for k in site.keywords if k in names[: site.positional]]
    if twice:
        return f"{site.tool} got {twice[0]!r} both positionally and by keyword"
    missing = [p for p in spec.required if p not in given]
    if missing:
        got = site.positional + len(site.keywords)
        return f"{site.tool} called with {got} of {len(names)} arguments; missing {', '.join(missing)}"
    return None


__all__ = ["binding_problem", "keyword_found", "normalise", "read_as", "render_call", "same_value"]
