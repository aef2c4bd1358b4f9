"""The rules behind the scoring layers: argument binding, value and keyword matching, rendering.

Small pure functions, so each rule can be tested (and cited in a layer's reason) on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from punie_eval.registry import ToolRegistry
from punie_eval.registry_check import matches_type
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
    if site.unpacked and "**" not in site.keywords:
        parts.insert(site.positional, "*…")
    return f"{site.tool}({', '.join(parts)})"


def field_kind(read: FieldRead, registry: ToolRegistry) -> str:
    """What a field holds, from its JSON Schema type: "a boolean", "a list", "a string or null"."""
    spec = registry.types[read.type_name].fields[read.field]
    names = [{"array": "list", "integer": "int", "number": "float"}.get(t, t) for t in spec.types]
    names = [spec.object_type, *names] if spec.object_type else names  # a nested model: "a Location or null"
    kind = " or ".join(names) or "data"
    return f"an {kind}" if kind[0].lower() in "aeiou" else f"a {kind}"


def read_as(read: FieldRead, code: str) -> str:
    lines = code.splitlines()
    line = lines[read.line - 1] if 0 < read.line <= len(lines) else ""
    expr = r"[A-Za-z_]\w*(?:\[[^\]]*\]|\.\w+|\([^()]*\))*"  # name, then .attr / [index] / (args)
    match = re.search(rf"{expr}\.{re.escape(read.field)}\b", line)
    return f"read as {match.group(0)}, line {read.line}" if match else f"line {read.line}"


def type_problems(site: CallSite, registry: ToolRegistry) -> list[str]:
    """Literal arguments whose type is not the parameter's (None is allowed where optional)."""
    out = []
    for param in registry.tool(site.tool).params:
        if param.name not in site.args:
            continue
        value = site.args[param.name]
        if value is None and not param.required:
            continue
        if not matches_type(value, param.types):
            out.append(f"{site.tool}({param.name}=...) must be {param.type}, got {value!r}")
    return out


def bound_params(site: CallSite, registry: ToolRegistry) -> frozenset[str]:
    """The parameters a call of a known tool gives visibly (positionally or by keyword)."""
    names = registry.tool(site.tool).param_names
    return frozenset(names[: site.positional]) | frozenset(k for k in site.keywords if k in names)


def binding_problems(site: CallSite, registry: ToolRegistry) -> list[str]:
    """Every reason this call does not bind to the tool's signature (empty when it binds).
    With unresolved ``*args``/``**kwargs`` only the visible part is judged: a required
    parameter may come through them, so none is reported missing."""
    spec = registry.tool(site.tool)
    names = spec.param_names
    problems = []
    if site.positional > len(names):
        problems.append(f"{site.tool} takes at most {len(names)} positional arguments, got {site.positional}")
    unknown = [k for k in site.keywords if k not in names and k != "**"]
    if unknown:
        problems.append(f"{site.tool} has no parameter {', '.join(map(repr, unknown))} (takes {', '.join(names)})")
    problems += [
        f"{site.tool} got {k!r} both positionally and by keyword"
        for k in site.keywords
        if k in names[: site.positional]
    ]
    missing = [p for p in spec.required if p not in bound_params(site, registry)]
    if missing and not site.unpacked:
        got = site.positional + len(site.keywords)
        problems.append(f"{site.tool} called with {got} of {len(names)} arguments; missing {', '.join(missing)}")
    return problems + type_problems(site, registry)


def argument_mismatch(site: CallSite, wanted: Mapping[str, Any], registry: ToolRegistry) -> list[str]:
    """``k=got`` for each expected argument ``site`` does not give as expected: the value given,
    "not given" (the tool's default applies) or "not a literal"."""
    bound = bound_params(site, registry)
    out = []
    for key, value in wanted.items():
        if key in site.args:
            if not same_value(value, site.args[key]):
                out.append(f"{key}={site.args[key]!r}")
        elif key in bound or site.unpacked:
            out.append(f"{key} not a literal")
        else:
            out.append(f"{key} not given")
    return out


__all__ = [
    "argument_mismatch",
    "binding_problems",
    "bound_params",
    "field_kind",
    "keyword_found",
    "normalise",
    "read_as",
    "render_call",
    "same_value",
    "type_problems",
]
