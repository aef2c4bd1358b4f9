"""Read a tool registry folder and check it, every problem one line naming file, line and field.

    DIR/tools.json            the manifest: format, name, tools (name, family, params, returns, ...)
    DIR/results/<Type>.json   one JSON Schema per result type (and per item type of a list field)

The manifest's shape is checked against ``data/formats/tool-registry.json``; what a schema
cannot say is checked here: names are Python identifiers, tools and parameters are unique,
a parameter without a default does not follow one with a default, types are JSON Schema
types, a default has its parameter's type, every result type and ``$ref`` has a schema file,
families are usable pytest markers. docs/tools.md describes the format.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

from punie_eval.errors import RegistryError
from punie_eval.jsonfile import entry_line, json_path, key_line, read_json, schema_message
from punie_eval.paths import format_schema

MANIFEST, RESULTS = "tools.json", "results"
JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}
MARKER = re.compile(r"[a-z][a-z0-9_]*")
# Markers punie-eval or pytest already mean something by: a family may not take them.
RESERVED_FAMILIES = frozenset(
    {"none", "data", "slow", "skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings"}
)


@dataclass(frozen=True)
class Problem:
    where: str  # file:line
    what: str  # field must be rule, got value

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class RegistryFiles:
    """A registry folder's content, checked: the manifest and each result type's schema."""

    root: Path
    manifest: Mapping[str, Any]
    schemas: Mapping[str, dict[str, Any]]  # type name -> JSON Schema
    fingerprint: str  # sha256 of the manifest and every schema, canonical JSON


def matches_type(value: Any, types: tuple[str, ...]) -> bool:
    """Whether a JSON value has one of the JSON Schema ``types`` (a bool is not an integer)."""
    return any(
        isinstance(value, JSON_TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
        for t in types
        if t in JSON_TYPES
    )


def type_names(spec: Any) -> tuple[str, ...]:
    return (spec,) if isinstance(spec, str) else tuple(spec)


def _unknown_types(types: tuple[str, ...]) -> list[str]:
    return [t for t in types if t not in JSON_TYPES]


def _types_rule() -> str:
    return f"must be JSON Schema types ({', '.join(sorted(JSON_TYPES))})"


# ---- result schemas ----------------------------------------------------------------------------
def _subschemas(prop: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """The property's schema and the ones nested in it that describe its value (items, anyOf, ...)."""
    yield path, prop
    items = prop.get("items")
    if isinstance(items, dict):
        yield from _subschemas(items, (*path, "items"))
    for key in ("anyOf", "oneOf"):
        for i, member in enumerate(prop.get(key, [])):
            if isinstance(member, dict):
                yield from _subschemas(member, (*path, f"{key}[{i}]"))


def _property_problems(path: Path, text: str, properties: Mapping[str, Any], known: frozenset[str]) -> list[Problem]:
    """Field types that are not JSON Schema types, ``$ref``s to types without a schema file."""
    out = []
    for name, prop in properties.items():
        line = f"{path}:{key_line(text, name)}"
        if not isinstance(prop, dict):
            out.append(Problem(line, f"properties.{name} must be a JSON Schema object, got {prop!r}"))
            continue
        for sub_path, sub in _subschemas(prop, ("properties", name)):
            field = ".".join(sub_path)
            bad = _unknown_types(type_names(sub.get("type", ())))
            if bad:
                out.append(Problem(line, f"{field}.type {_types_rule()}, got {bad[0]!r}"))
            ref = sub.get("$ref")
            if isinstance(ref, str) and ref.removesuffix(".json") not in known:
                rule = f"must name a result schema in {RESULTS}/ (<Type>.json)"
                out.append(Problem(line, f"{field}.$ref {rule}, got {ref!r}"))
    return out


def _schema_problems(path: Path, text: str, schema: Any, known: frozenset[str]) -> list[Problem]:
    where = f"{path}:1"
    if not isinstance(schema, dict):
        return [Problem(where, f"<root> must be a JSON Schema object, got {type(schema).__name__}")]
    title = schema.get("title")
    if title != path.stem:
        at = f"{path}:{entry_line(text, 'title', title) if isinstance(title, str) else 1}"
        return [Problem(at, f"title must be the file's name {path.stem!r}, got {title!r}")]
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict):
        return [Problem(where, "type must be 'object' with properties (a result type's fields)")]
    found = _property_problems(path, text, properties, known)
    if found:  # before the metaschema, whose message for a bad type names no type
        return found
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [Problem(where, f"{json_path(list(err.absolute_path))}: {schema_message(err)}")]
    return []


def _read_schemas(root: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    files = sorted((root / RESULTS).glob("*.json"))
    known = frozenset(p.stem for p in files)
    schemas: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for path in files:
        text, schema = read_json(path, RegistryError, "result schema")
        found = _schema_problems(path, text, schema, known)
        problems += found
        if not found:
            schemas[path.stem] = schema
    return schemas, problems


# ---- the manifest ------------------------------------------------------------------------------
def _name_problems(at: str, where: str, name: str, seen: list[str], scope: str = "") -> list[Problem]:
    """A tool's or a parameter's name: a Python identifier, not used before in its list (``seen`` grows)."""
    out = []
    if not name.isidentifier() or keyword.iskeyword(name):
        out.append(Problem(at, f"{where}.name must be a Python identifier, got {name!r}"))
    if name in seen:
        out.append(Problem(at, f"{where}.name must be unique{scope}, got duplicate {name!r}"))
    seen.append(name)
    return out


def _param_problems(
    field: str, params: list[dict[str, Any]], tool: str, text: str, tool_line: int, manifest: Path
) -> list[Problem]:
    out: list[Problem] = []
    seen: list[str] = []
    with_default: str | None = None
    for j, param in enumerate(params):
        name, where = param["name"], f"{field}.params[{j}]"
        line = entry_line(text, "name", name, nth=seen.count(name), after=tool_line)
        at = f"{manifest}:{line}"
        out += _name_problems(at, where, name, seen, f" in {tool}'s parameters")
        types = type_names(param["type"])
        bad = _unknown_types(types)
        if bad:
            at_type = f"{manifest}:{key_line(text, 'type', after=line)}"
            out.append(Problem(at_type, f"{where}.type {_types_rule()}, got {bad[0]!r}"))
        if "default" in param:
            with_default = with_default or name
            if not bad and not matches_type(param["default"], types):
                rule = f"must have the parameter's type ({' or '.join(types)})"
                at_default = f"{manifest}:{key_line(text, 'default', after=line)}"
                out.append(Problem(at_default, f"{where}.default {rule}, got {param['default']!r}"))
        elif with_default is not None:
            rule = f"must have a default: it follows {with_default!r}, which has one"
            out.append(Problem(at, f"{where} {rule} (a Python signature cannot bind it), got none"))
    return out


def _tool_problems(manifest: Path, text: str, raw: Mapping[str, Any], schemas: frozenset[str]) -> list[Problem]:
    out: list[Problem] = []
    seen: list[str] = []
    for i, tool in enumerate(raw["tools"]):
        name, field = tool["name"], f"tools[{i}]"
        tool_line = entry_line(text, "name", name, nth=seen.count(name))
        at = f"{manifest}:{tool_line}"
        out += _name_problems(at, field, name, seen)
        family = tool["family"]
        if not MARKER.fullmatch(family) or family in RESERVED_FAMILIES:
            rule = f"must be a pytest marker name ({MARKER.pattern}, not {', '.join(sorted(RESERVED_FAMILIES))})"
            out.append(
                Problem(
                    f"{manifest}:{key_line(text, 'family', after=tool_line)}", f"{field}.family {rule}, got {family!r}"
                )
            )
        out += _param_problems(field, tool["params"], name, text, tool_line, manifest)
        returns = tool["returns"]
        if returns is not None and returns not in schemas:
            schema_file = manifest.parent / RESULTS / f"{returns}.json"
            at_returns = f"{manifest}:{key_line(text, 'returns', after=tool_line)}"
            rule = f"must name a result type with a schema ({schema_file} is missing)"
            out.append(Problem(at_returns, f"{field}.returns {rule}, got {returns!r}"))
    return out


def _manifest_problems(manifest: Path, text: str, raw: Any) -> list[Problem]:
    schema = json.loads(format_schema("tool-registry").read_text(encoding="utf-8"))
    out = []
    for err in sorted(Draft202012Validator(schema).iter_errors(raw), key=lambda e: list(e.absolute_path)):
        parts = list(err.absolute_path)
        line = 1
        if len(parts) >= 2 and parts[0] == "tools" and isinstance(parts[1], int):
            tool = raw["tools"][parts[1]]
            name = tool.get("name") if isinstance(tool, dict) else None
            line = entry_line(text, "name", name) if isinstance(name, str) else 1
        elif parts:
            line = key_line(text, str(parts[0]))
        out.append(Problem(f"{manifest}:{line}", f"{json_path(parts)}: {schema_message(err)}"))
    return out


def registry_problems(root: Path) -> tuple[RegistryFiles | None, list[Problem]]:
    """The folder's content and every problem in it (the content is None when there are any)."""
    root = Path(root)
    manifest = root / MANIFEST
    if not manifest.is_file():
        what = "a file" if root.is_file() else ("a folder without " + MANIFEST if root.is_dir() else "nothing")
        return None, [Problem(str(root), f"must be a tool registry folder holding {MANIFEST}, got {what}")]
    text, raw = read_json(manifest, RegistryError, "registry manifest")
    problems = _manifest_problems(manifest, text, raw)
    if problems:
        return None, problems
    schemas, problems = _read_schemas(root)
    present = frozenset(p.stem for p in (root / RESULTS).glob("*.json"))  # a bad schema is reported once
    problems += _tool_problems(manifest, text, raw, present)
    if problems:
        return None, problems
    canonical = json.dumps({"manifest": raw, "schemas": schemas}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return RegistryFiles(root=root, manifest=raw, schemas=schemas, fingerprint=digest), []


def read_registry(root: Path) -> RegistryFiles:
    """The checked content of a registry folder; RegistryError names the first problem."""
    files, problems = registry_problems(root)
    if files is None:
        first = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RegistryError(first.where, first.what + more)
    return files


__all__ = ["JSON_TYPES", "MANIFEST", "RESULTS", "Problem", "RegistryFiles", "matches_type", "read_registry",
           "registry_problems", "type_names"]  # fmt: skip
