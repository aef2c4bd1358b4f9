"""A bad tool registry folder: each kind of mistake is one line naming file, line and field."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from punie_eval.errors import RegistryError
from punie_eval.registry import load_registry
from punie_eval.registry_check import registry_problems

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "docs-search" / "tools"
Edit = Callable[[dict[str, Any]], None]


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "tools"))


def _edit_json(path: Path, edit: Edit) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def _set_param(tool: int, param: int, key: str, value: Any) -> Edit:
    return lambda doc: doc["tools"][tool]["params"][param].__setitem__(key, value)


def _rename_tool(index: int, name: str) -> Edit:
    return lambda doc: doc["tools"][index].__setitem__("name", name)


MANIFEST_CASES: list[tuple[str, Edit, str]] = [
    (
        "unknown_param_type",
        _set_param(0, 0, "type", "str"),
        "tools.json:12: tools[0].params[0].type must be JSON Schema types "
        "(array, boolean, integer, null, number, object, string), got 'str'",
    ),
    (
        "result_type_without_schema",
        lambda doc: doc["tools"][1].__setitem__("returns", "Page"),
        "tools.json:32: tools[1].returns must name a result type with a schema (",
    ),
    (
        "duplicate_tool",
        _rename_tool(2, "get_page"),
        "tools.json:35: tools[2].name must be unique, got duplicate 'get_page'",
    ),
    (
        "duplicate_parameter",
        _set_param(0, 1, "name", "query"),
        "tools.json:15: tools[0].params[1].name must be unique in search_docs's parameters, got duplicate 'query'",
    ),
    (
        "required_after_default",
        lambda doc: doc["tools"][0]["params"].append({"name": "site", "type": "string"}),
        "tools.json:20: tools[0].params[2] must have a default: it follows 'limit', which has one",
    ),
    (
        "params_not_a_list",
        lambda doc: doc["tools"][0].__setitem__("params", {"query": "string"}),
        "tools.json:6: tools[0].params: {'query': 'string'} is not of type 'array'",
    ),
    (
        "parameter_without_type",
        lambda doc: doc["tools"][0]["params"][0].pop("type"),
        "tools.json:6: tools[0].params[0]: 'type' is a required property",
    ),
    (
        "parameter_name_not_identifier",
        _set_param(0, 0, "name", "class"),
        "tools.json:11: tools[0].params[0].name must be a Python identifier, got 'class'",
    ),
    (
        "default_of_another_type",
        _set_param(0, 1, "default", "five"),
        "tools.json:17: tools[0].params[1].default must have the parameter's type (integer), got 'five'",
    ),
    (
        "tool_name_not_identifier",
        _rename_tool(0, "search-docs"),
        "tools.json:6: tools[0].name must be a Python identifier, got 'search-docs'",
    ),
    (
        "reserved_family",
        lambda doc: doc["tools"][0].__setitem__("family", "slow"),
        "tools.json:7: tools[0].family must be a pytest marker name",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in MANIFEST_CASES], ids=[c[0] for c in MANIFEST_CASES])
def test_registry_check_bad_manifest_is_one_line(tmp_path: Path, edit: Edit, expected: str) -> None:
    """A bad manifest entry is refused with one line: tools.json, its line, the field and the rule."""
    root = _copy(tmp_path)
    _edit_json(root / "tools.json", edit)
    with pytest.raises(RegistryError) as info:
        load_registry(root)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{root / expected.split(':')[0]}:"), message
    assert message.removeprefix(str(root) + "/").startswith(expected), message


SCHEMA_CASES: list[tuple[str, str, Edit, str]] = [
    (
        "unknown_field_type",
        "DocHit",
        lambda s: s["properties"]["score"].__setitem__("type", "float"),
        "results/DocHit.json:13: properties.score.type must be JSON Schema types",
    ),
    (
        "ref_without_schema",
        "SearchResult",
        lambda s: s["properties"]["hits"]["items"].__setitem__("$ref", "Hit.json"),
        "results/SearchResult.json:13: properties.hits.items.$ref must name a result schema in results/",
    ),
    (
        "title_not_file_name",
        "Section",
        lambda s: s.__setitem__("title", "Part"),
        "results/Section.json:23: title must be the file's name 'Section', got 'Part'",
    ),
    (
        "not_an_object_type",
        "VersionList",
        lambda s: s.__setitem__("type", "array"),
        "results/VersionList.json:1: type must be 'object' with properties",
    ),
]


@pytest.mark.parametrize(
    ("type_name", "edit", "expected"), [c[1:] for c in SCHEMA_CASES], ids=[c[0] for c in SCHEMA_CASES]
)
def test_registry_check_bad_result_schema_is_one_line(
    tmp_path: Path, type_name: str, edit: Edit, expected: str
) -> None:
    """A bad result schema is refused with one line: its file, line and field."""
    root = _copy(tmp_path)
    _edit_json(root / "results" / f"{type_name}.json", edit)
    with pytest.raises(RegistryError) as info:
        load_registry(root)
    message = str(info.value)
    assert "\n" not in message
    assert message.removeprefix(str(root) + "/").startswith(expected), message


def test_registry_check_missing_manifest_names_the_folder(tmp_path: Path) -> None:
    """A folder without tools.json is not a registry, said in one line naming the folder."""
    with pytest.raises(RegistryError, match=r"must be a tool registry folder holding tools.json, got a folder without"):
        load_registry(tmp_path)


def test_registry_check_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    """A manifest that is not JSON is named by file, line and column."""
    root = _copy(tmp_path)
    (root / "tools.json").write_text('{\n  "format": "punie-eval-tools/1",\n  "tools": [,]\n}\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"tools.json:3: invalid JSON: Expecting value at column 13"):
        load_registry(root)


def test_registry_check_lists_every_problem(tmp_path: Path) -> None:
    """registry_problems reports all problems, not only the first (what `punie-eval tools check` prints)."""
    root = _copy(tmp_path)
    _edit_json(
        root / "tools.json", lambda doc: [_rename_tool(2, "get_page")(doc), _set_param(0, 0, "type", "str")(doc)]
    )
    files, problems = registry_problems(root)
    assert files is None
    assert [p.what.split(" must ")[0] for p in problems] == ["tools[0].params[0].type", "tools[2].name"]


def test_registry_check_edited_folder_is_read_again(tmp_path: Path) -> None:
    """load_registry caches per folder while its files are unchanged; an edit is seen."""
    root = _copy(tmp_path)
    before = load_registry(root)
    _edit_json(root / "tools.json", lambda doc: doc.__setitem__("name", "docs-search-2"))
    after = load_registry(root)
    assert (before.name, after.name) == ("docs-search", "docs-search-2")
    assert before.fingerprint != after.fingerprint
