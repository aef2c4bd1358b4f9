"""The typed tools and their result schemas, loaded once from ``data/schemas/``.

Answers the questions the scorer and the data contracts ask: is this a known tool, which
arguments may it take, which fields does its result have, and which item type a list
field holds. Result objects (e.g. the tool results fed back in multi-turn queries) are
validated against the JSON Schemas and rendered as the ``repr`` a real tool would print.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from punie_eval.errors import DataError
from punie_eval.paths import schemas_dir

FAMILIES = ("git", "lsp", "quality", "files")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class ToolSpec:
    name: str
    family: str
    params: tuple[Param, ...]
    returns: str | None  # a result type name, or None for tools that return plain str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]  # JSON Schema types, e.g. ("string", "null")
    item_type: str | None  # for lists of result objects: the item's type name
    required: bool


@dataclass(frozen=True)
class ResultType:
    name: str
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True, eq=False)
class ToolRegistry:
    tools: Mapping[str, ToolSpec]
    types: Mapping[str, ResultType]
    schemas: Mapping[str, dict[str, Any]]
    refs: Registry[Any]  # lets a result schema $ref its item types

    def is_known(self, tool: str) -> bool:
        return tool in self.tools

    def tool(self, name: str) -> ToolSpec:
        return self.tools[name]

    def family(self, tool: str) -> str:
        return self.tools[tool].family

    def result_type(self, tool: str) -> ResultType | None:
        returns = self.tools[tool].returns
        return self.types[returns] if returns else None

    def fields(self, type_name: str) -> frozenset[str]:
        return frozenset(self.types[type_name].fields)

    def item_type(self, type_name: str, field: str) -> str | None:
        spec = self.types[type_name].fields.get(field)
        return spec.item_type if spec else None

    def validation_errors(self, type_name: str, value: object) -> list[str]:
        """Schema violations of ``value`` as a ``type_name``, each ``path: message``."""
        validator = Draft202012Validator(self.schemas[type_name], registry=self.refs)
        return [
            f"{'.'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
            for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        ]

    def render_repr(self, type_name: str, value: Mapping[str, Any]) -> str:
        """The ``repr`` a real tool prints for this result, fields in schema order."""
        parts = []
        for name, spec in self.types[type_name].fields.items():
            default = self.schemas[type_name]["properties"][name].get("default")
            field_value = value.get(name, default)
            parts.append(f"{name}={self._render_value(spec, field_value)}")
        return f"{type_name}({', '.join(parts)})"

    def _render_value(self, spec: FieldSpec, value: Any) -> str:
        if spec.item_type and isinstance(value, list):
            return "[" + ", ".join(self.render_repr(spec.item_type, v) for v in value) + "]"
        return repr(value)


def _field_spec(name: str, prop: Mapping[str, Any], required: bool) -> FieldSpec:
    raw_type = prop.get("type", [])
    types = (raw_type,) if isinstance(raw_type, str) else tuple(raw_type)
    ref = prop.get("items", {}).get("$ref") if "array" in types else None
    item_type = ref.removesuffix(".json") if ref else None
    return FieldSpec(name=name, types=types, item_type=item_type, required=required)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(str(path), f"cannot read schema: {err}") from err


@cache
def load_registry(root: Path | None = None) -> ToolRegistry:
    """Load the tool signatures and result schemas (once per process and folder)."""
    root = root or schemas_dir()
    schemas: dict[str, dict[str, Any]] = {}
    types: dict[str, ResultType] = {}
    for path in sorted((root / "results").glob("*.json")):
        schema = _read_json(path)
        name = schema["title"]
        required = set(schema.get("required", []))
        schemas[name] = schema
        types[name] = ResultType(
            name=name,
            fields={f: _field_spec(f, p, f in required) for f, p in schema["properties"].items()},
        )
    tools: dict[str, ToolSpec] = {}
    for name, spec in _read_json(root / "tools.json")["tools"].items():
        returns = spec["returns"]
        if returns is not None and returns not in types:
            raise DataError(str(root / "tools.json"), f"tools.{name}.returns names unknown type {returns!r}")
        params = tuple(Param(p["name"], p["type"], p["required"]) for p in spec["params"])
        tools[name] = ToolSpec(name=name, family=spec["family"], params=params, returns=returns)
    refs: Registry[Any] = Registry().with_resources(
        (name + ".json", Resource.from_contents(schema)) for name, schema in schemas.items()
    )
    return ToolRegistry(tools=tools, types=types, schemas=schemas, refs=refs)
