"""The typed tools and their result schemas: a registry folder, loaded once per process.

Answers the questions the scorer and the data contracts ask: is this a known tool, which
arguments may it take, which fields does its result have, and which item type a list
field holds. Result objects (e.g. the tool results fed back in multi-turn queries) are
validated against the JSON Schemas and rendered as the ``repr`` a real tool would print.

The folder (``tools.json`` + ``results/<Type>.json``, docs/tools.md) is read and checked by
:mod:`punie_eval.registry_check`; ``load_registry()`` without a folder is the bundled 14-tool
registry, the only reader of ``data/schemas``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from punie_eval.paths import default_registry_dir
from punie_eval.registry_check import MANIFEST, RESULTS, RegistryFiles, read_registry, type_names


@dataclass(frozen=True)
class Param:
    name: str
    types: tuple[str, ...]  # JSON Schema types, e.g. ("array", "null")
    required: bool  # no default
    default: Any = None

    @property
    def type(self) -> str:
        return " or ".join(self.types)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    family: str
    params: tuple[Param, ...]
    returns: str | None  # a result type name, or None for tools that return plain str
    description: str = ""
    fallback: bool = False  # the untyped escape hatch (run_command): calling it where a typed tool fits fails
    side_effect: bool = False  # called for its effect (write_file): its result may be dropped

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
    object_type: str | None = None  # for one nested result object (a "$ref" that is not a list): its type name


@dataclass(frozen=True)
class ResultType:
    name: str
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True, eq=False)
class ToolRegistry:
    name: str
    root: Path
    fingerprint: str  # sha256 of the manifest and every result schema
    tools: Mapping[str, ToolSpec]
    types: Mapping[str, ResultType]
    schemas: Mapping[str, dict[str, Any]]
    refs: Registry[Any]  # lets a result schema $ref its item types

    @property
    def families(self) -> tuple[str, ...]:
        """The tool families (pytest markers), in the manifest's order."""
        return tuple(dict.fromkeys(t.family for t in self.tools.values()))

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

    def object_type(self, type_name: str, field: str) -> str | None:
        """The type of a field holding one nested result object (``r.location.file``), else None."""
        spec = self.types[type_name].fields.get(field)
        return spec.object_type if spec else None

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
        if spec.object_type and isinstance(value, dict):
            return self.render_repr(spec.object_type, value)
        return repr(value)


def _field_spec(name: str, prop: Mapping[str, Any], required: bool) -> FieldSpec:
    """Types and list item type of a field, also when written as ``anyOf`` (pydantic's ``X | None``)."""
    members = [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]
    types = tuple(dict.fromkeys(t for m in members for t in type_names(m.get("type", ()))))
    refs = [m.get("items", {}).get("$ref") for m in members if "array" in type_names(m.get("type", ()))]
    ref = next((r for r in refs if r), None)
    item_type = ref.removesuffix(".json") if ref else None
    direct = next((m["$ref"] for m in members if isinstance(m.get("$ref"), str)), None)  # pydantic's nested model
    object_type = direct.removesuffix(".json") if direct else None
    return FieldSpec(name=name, types=types, item_type=item_type, required=required, object_type=object_type)


def _build(files: RegistryFiles) -> ToolRegistry:
    types = {
        name: ResultType(
            name=name,
            fields={
                f: _field_spec(f, p, f in set(schema.get("required", []))) for f, p in schema["properties"].items()
            },
        )
        for name, schema in files.schemas.items()
    }
    tools: dict[str, ToolSpec] = {}
    for spec in files.manifest["tools"]:
        params = tuple(
            Param(p["name"], type_names(p["type"]), "default" not in p, p.get("default")) for p in spec["params"]
        )
        tools[spec["name"]] = ToolSpec(
            name=spec["name"],
            family=spec["family"],
            params=params,
            returns=spec["returns"],
            description=spec.get("description", ""),
            fallback=bool(spec.get("fallback", False)),
            side_effect=bool(spec.get("side_effect", False)),
        )
    refs: Registry[Any] = Registry().with_resources(
        (name + ".json", Resource.from_contents(schema)) for name, schema in files.schemas.items()
    )
    return ToolRegistry(
        name=files.manifest["name"],
        root=files.root,
        fingerprint=files.fingerprint,
        tools=tools,
        types=types,
        schemas=files.schemas,
        refs=refs,
    )


@cache
def _load(root: Path, stamp: tuple[tuple[str, int, int], ...]) -> ToolRegistry:
    del stamp  # part of the cache key only: an edited registry is read again
    return _build(read_registry(root))


def _stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    paths = [root / MANIFEST, *sorted((root / RESULTS).glob("*.json"))]
    stats = [(str(p), p.stat()) for p in paths if p.exists()]
    return tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)


def load_registry(root: Path | str | None = None) -> ToolRegistry:
    """The registry in folder ``root`` (default: the bundled 14 tools), checked; once per process
    while its files are unchanged. RegistryError names the first problem's file, line and field."""
    folder = Path(root).expanduser().resolve() if root is not None else default_registry_dir()
    return _load(folder, _stamp(folder))
