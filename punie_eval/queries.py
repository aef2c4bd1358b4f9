"""The query suite: load, validate (JSON Schema + semantic checks), fingerprint.

A suite file holds the system prompt, per-category targets and floors, and the queries.
Every error names the file, the line of the offending query and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

from punie_eval import jsontext
from punie_eval.errors import QuerySuiteError, UsageError
from punie_eval.jsonfile import entry_line, json_path, key_line, read_json, schema_message
from punie_eval.paths import default_queries_file, format_schema, heldout_queries_file
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.values import fraction

CATEGORIES = (
    "direct_answers",
    "single_tool",
    "tool_identity",
    "field_access",
    "cross_tool",
    "edge_cases",
    "multi_turn",
)

IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9_]*")  # query ids: the schema's identifier, matched in full


@dataclass(frozen=True)
class Turn2:
    tool: str  # the turn-1 tool whose result is fed back
    tool_result: Mapping[str, Any]
    expect: Literal["summary", "chain"]
    keywords: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategorySpec:
    name: str
    target: float
    floor: float
    description: str = ""


@dataclass(frozen=True)
class Query:
    id: str
    category: str
    prompt: str
    expect: Literal["tool", "prose"]
    tools: tuple[str, ...] = ()
    args: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    forbidden_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    critical: bool = False
    turn2: Turn2 | None = None
    families: tuple[str, ...] = ("none",)  # pytest markers: the registry's families of its tools, or none


@dataclass(frozen=True)
class QuerySuite:
    path: Path
    name: str
    version: int
    system_prompt: str
    categories: Mapping[str, CategorySpec]
    queries: tuple[Query, ...]
    fingerprint: str  # sha256 of the canonical JSON: system prompt, categories, queries, the registry's content
    registry: ToolRegistry = field(default_factory=load_registry, compare=False)  # the tools the suite is about

    def by_id(self) -> dict[str, Query]:
        return {q.id: q for q in self.queries}


def _families(query_tools: tuple[str, ...], registry: ToolRegistry) -> tuple[str, ...]:
    families = sorted({registry.family(t) for t in query_tools})
    return tuple(families) or ("none",)


def _check_field(registry: ToolRegistry, tool: str, dotted: str) -> bool:
    type_name = registry.tools[tool].returns
    for part in dotted.split("."):
        if type_name is None or part not in registry.fields(type_name):
            return False
        type_name = registry.item_type(type_name, part) or registry.object_type(type_name, part)
    return True


def _semantic_errors(raw: Mapping[str, Any], registry: ToolRegistry) -> list[tuple[str, str, str]]:
    """(query id, field path, problem) for each rule the schema cannot express."""
    problems: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    categories = raw["categories"]
    for i, q in enumerate(raw["queries"]):
        qid, where = q["id"], f"queries[{i}]"
        if not IDENTIFIER.fullmatch(qid):  # the schema's "^...$" also passes an id ending in a newline
            problems.append((qid, f"{where}.id", f"must match {IDENTIFIER.pattern} in full, got {qid!r}"))
        if qid in seen:
            problems.append((qid, f"{where}.id", f"must be unique, got duplicate {qid!r}"))
        seen.add(qid)
        if q["category"] not in categories:
            problems.append(
                (
                    qid,
                    f"{where}.category",
                    f"must be one of {', '.join(categories)}; got {q['category']!r}",
                )
            )
        named = list(q.get("tools", [])) + list(q.get("turn2", {}).get("tools", []))
        named += list(q.get("args", {})) + list(q.get("fields", {})) + list(q.get("forbidden_fields", {}))
        for tool in named:
            if not registry.is_known(tool):
                problems.append((qid, f"{where}.tools", f"must name known tools, got {tool!r}"))
        allowed = [*q.get("tools", []), *q.get("turn2", {}).get("tools", [])]
        for key in ("args", "fields", "forbidden_fields"):  # an expectation no call can meet
            problems += [
                (
                    qid,
                    f"{where}.{key}.{tool}",
                    f"must name one of the query's tools ({', '.join(allowed)}), got {tool!r}",
                )
                for tool in q.get(key, {})
                if registry.is_known(tool) and tool not in allowed
            ]
        for path, holder in ((f"{where}.keywords", q), (f"{where}.turn2.keywords", q.get("turn2", {}))):
            if "keywords" in holder and not holder["keywords"]:
                problems.append((qid, path, "must list at least one keyword (omit it to check none), got []"))
        for key in ("fields", "forbidden_fields"):
            for tool, names in q.get(key, {}).items():
                for name in names:
                    if registry.is_known(tool) and not _check_field(registry, tool, name):
                        problems.append(
                            (
                                qid,
                                f"{where}.{key}.{tool}",
                                f"must be fields of {tool}'s result, got {name!r}",
                            )
                        )
        for tool, args in q.get("args", {}).items():
            if registry.is_known(tool):
                for arg in args:
                    if arg not in registry.tool(tool).param_names:
                        problems.append(
                            (
                                qid,
                                f"{where}.args.{tool}",
                                f"must be parameters of {tool}, got {arg!r}",
                            )
                        )
        turn2 = q.get("turn2")
        if turn2 is not None:
            first = q["tools"][0]
            result_type = registry.tools[first].returns if registry.is_known(first) else None
            if result_type is not None:
                for err in registry.validation_errors(result_type, turn2["tool_result"]):
                    problems.append((qid, f"{where}.turn2.tool_result", f"must match {result_type}: {err}"))
    return problems


def _check_categories(path: Path, text: str, categories: Mapping[str, Mapping[str, Any]]) -> None:
    """Targets and floors are probabilities: ``NaN`` (which Python's JSON reads) passes the schema's bounds."""
    for name, spec in categories.items():
        for key in ("target", "floor"):
            try:
                fraction(f"categories.{name}.{key}", spec[key])
            except UsageError as err:
                raise QuerySuiteError(f"{path}:{key_line(text, name)}", str(err)) from None


def _check_unicode(path: Path, text: str, raw: Any) -> None:
    """Refuse a string no tokenizer can encode: a lone surrogate (``"\\udc80"`` is valid JSON)."""
    found = jsontext.lone_surrogate(raw)
    if found is None:
        return
    parts, char, offset = found
    line = key_line(text, str(parts[0])) if parts else 1
    if len(parts) >= 2 and parts[0] == "queries" and isinstance(parts[1], int) and isinstance(raw["queries"], list):
        query = raw["queries"][parts[1]]
        qid = query.get("id") if isinstance(query, dict) else None
        line = entry_line(text, "id", qid) if isinstance(qid, str) else line
    raise QuerySuiteError(
        f"{path}:{line}",
        f"{json_path(list(parts))} must be valid Unicode, got a lone surrogate {char!r} at offset {offset}",
    )


def _suite_registry(path: Path, text: str, raw: Mapping[str, Any]) -> ToolRegistry:
    """The registry the suite file names (a folder relative to the file), else the bundled one."""
    named = raw.get("registry")
    if named is None:
        return load_registry()
    folder = (path.parent / named).resolve()
    if not (folder / "tools.json").is_file():
        raise QuerySuiteError(
            f"{path}:{key_line(text, 'registry')}",
            f"registry must be a tool registry folder relative to the suite file, got {named!r} "
            f"(no tools.json in {folder})",
        )
    return load_registry(folder)


def load_suite(path: Path | None = None, registry: ToolRegistry | None = None) -> QuerySuite:
    """Read and validate a query suite file; raise QuerySuiteError naming file:line and field.

    The tools are ``registry`` when given (``--tools``), else the registry the file names, else
    the bundled one; the fingerprint covers the registry's content.
    """
    path = Path(path or default_queries_file())
    text, raw = read_json(path, QuerySuiteError, "query suite file")
    _check_unicode(path, text, raw)
    schema = json.loads(format_schema("query-suite").read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        parts = list(first.absolute_path)
        line = 1
        if len(parts) >= 2 and parts[0] == "queries" and isinstance(parts[1], int):
            qid = raw["queries"][parts[1]].get("id", "") if isinstance(raw["queries"][parts[1]], dict) else ""
            line = entry_line(text, "id", str(qid)) if qid else 1
        raise QuerySuiteError(f"{path}:{line}", f"{json_path(parts)}: {schema_message(first)}")
    _check_categories(path, text, raw["categories"])
    registry = registry or _suite_registry(path, text, raw)
    problems = _semantic_errors(raw, registry)
    if problems:
        qid, where, what = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise QuerySuiteError(f"{path}:{entry_line(text, 'id', qid)}", f"{where} {what}{more}")
    canonical = json.dumps(
        {**{k: raw[k] for k in ("system_prompt", "categories", "queries")}, "tools": registry.fingerprint},
        sort_keys=True,
        ensure_ascii=False,
    )
    return QuerySuite(
        path=path,
        name=raw["suite"],
        version=raw["version"],
        system_prompt=raw["system_prompt"],
        categories={
            name: CategorySpec(name, spec["target"], spec["floor"], spec.get("description", ""))
            for name, spec in raw["categories"].items()
        },
        queries=tuple(_to_query(q, registry) for q in raw["queries"]),
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest(),
        registry=registry,
    )


def guarded_suites() -> tuple[QuerySuite, QuerySuite]:
    """The bundled suites no training prompt may leak: the main suite and the held-out suite."""
    return load_suite(default_queries_file()), load_suite(heldout_queries_file())


def with_system_prompt(suite: QuerySuite, prompt: str) -> QuerySuite:
    """The suite asked under another system prompt; its fingerprint changes with the prompt."""
    if prompt == suite.system_prompt:
        return suite
    digest = hashlib.sha256(f"{suite.fingerprint}\nsystem_prompt:{prompt}".encode()).hexdigest()
    return replace(suite, system_prompt=prompt, fingerprint=digest)


def _to_query(q: Mapping[str, Any], registry: ToolRegistry) -> Query:
    tools = tuple(q.get("tools", ()))
    turn2 = None
    if "turn2" in q:
        t = q["turn2"]
        turn2 = Turn2(
            tool=tools[0],
            tool_result=t["tool_result"],
            expect=t["expect"],
            keywords=tuple(t.get("keywords", ())),
            tools=tuple(t.get("tools", ())),
        )
    all_tools = tools + (turn2.tools if turn2 else ())
    return Query(
        id=q["id"],
        category=q["category"],
        prompt=q["prompt"],
        expect=q["expect"],
        tools=tools,
        args={k: dict(v) for k, v in q.get("args", {}).items()},
        fields={k: tuple(v) for k, v in q.get("fields", {}).items()},
        forbidden_fields={k: tuple(v) for k, v in q.get("forbidden_fields", {}).items()},
        keywords=tuple(q.get("keywords", ())),
        critical=bool(q.get("critical", False)),
        turn2=turn2,
        families=_families(all_tools, registry),
    )
