"""A Pydantic model holding another model (not a list of them): reads through it are checked too."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from punie_eval.cli import main
from punie_eval.errors import QuerySuiteError
from punie_eval.queries import load_suite
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.scoring.codeinfo import analyze_code

STUB = '''
from pydantic import BaseModel


class Location(BaseModel):
    file: str
    line: int


class Found(BaseModel):
    name: str
    where: Location
    also: Location | None = None


def locate(name: str) -> Found:
    """Where a symbol is defined."""
    raise NotImplementedError
'''


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToolRegistry:
    """The registry from-pydantic writes for the stub above (its module forgotten afterwards)."""
    (tmp_path / "nested_stub.py").write_text(STUB, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delitem(sys.modules, "nested_stub", raising=False)
    assert main(["tools", "from-pydantic", "nested_stub", "--out", str(tmp_path / "tools")]) == 0
    sys.modules.pop("nested_stub", None)
    return load_registry(tmp_path / "tools")


def test_registry_nested_model_fields_are_checked(registry: ToolRegistry) -> None:
    """r.where.file is a valid read on Location; r.where.path and r.also.col are not."""
    code = "r = locate('f')\nprint(r.where.file, r.where.path, r.also.col)"
    reads = [(r.type_name, r.path, r.valid) for r in analyze_code(code, registry).field_reads]
    assert reads == [
        ("Found", "where", True),
        ("Location", "where.file", True),
        ("Found", "where", True),
        ("Location", "where.path", False),
        ("Found", "also", True),
        ("Location", "also.col", False),
    ]


def test_registry_nested_model_renders_as_a_tool_prints_it(registry: ToolRegistry) -> None:
    """A fed-back result shows the nested model as its own repr, defaults filled in."""
    value = {"name": "f", "where": {"file": "a.py", "line": 3}}
    assert registry.validation_errors("Found", value) == []
    assert registry.render_repr("Found", value) == "Found(name='f', where=Location(file='a.py', line=3), also=None)"


def test_registry_nested_model_fields_in_a_suite(registry: ToolRegistry, tmp_path: Path) -> None:
    """A suite may expect a field through a nested model; a field the nested model lacks is refused."""
    query = {"id": "q", "category": "single_tool", "prompt": "Where is f?", "expect": "tool", "tools": ["locate"]}
    suite = {"suite": "s", "version": 1, "system_prompt": "p", "registry": "tools",
             "categories": {"single_tool": {"target": 1.0, "floor": 0.5}}, "queries": [query]}  # fmt: skip
    path = tmp_path / "queries.json"
    path.write_text(
        json.dumps({**suite, "queries": [{**query, "fields": {"locate": ["where.file"]}}]}), encoding="utf-8"
    )
    assert load_suite(path).queries[0].fields == {"locate": ("where.file",)}
    path.write_text(
        json.dumps({**suite, "queries": [{**query, "fields": {"locate": ["where.col"]}}]}), encoding="utf-8"
    )
    with pytest.raises(QuerySuiteError, match=r"fields\.locate must be fields of locate's result, got 'where\.col'"):
        load_suite(path)
