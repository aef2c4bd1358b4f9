"""The tool registry as the scorer uses it: every result schema, reached from a tool's result."""

from __future__ import annotations

import pytest

from punie_eval.registry import load_registry
from punie_eval.scoring.codeinfo import analyze_code

REGISTRY = load_registry()
ARGS = {"str": '"x"', "string": '"x"', "int": "1", "integer": "1", "bool": "False", "boolean": "False"}


def _access_paths() -> dict[str, tuple[str, str]]:
    """Each result type → (a tool call, an expression reaching a value of that type from it)."""
    found: dict[str, tuple[str, str]] = {}
    for tool, spec in REGISTRY.tools.items():
        if spec.returns is None:
            continue
        call = f"{tool}({', '.join(ARGS.get(p.type, '1') for p in spec.params if p.required)})"
        todo = [(spec.returns, "r")]
        while todo:
            type_name, expr = todo.pop()
            if type_name in found:
                continue
            found[type_name] = (call, expr)
            for name, field in REGISTRY.types[type_name].fields.items():
                if field.item_type:
                    todo.append((field.item_type, f"{expr}.{name}[0]"))
    return found


PATHS = _access_paths()


def test_registry_every_result_type_is_reachable() -> None:
    """Every schema in the bundled registry's results/ is the result of a tool or an item of one."""
    assert set(PATHS) == set(REGISTRY.types)


@pytest.mark.parametrize("type_name", sorted(REGISTRY.types))
def test_registry_valid_field_read_passes(type_name: str) -> None:
    """Reading every real field of a result type is recorded as valid."""
    call, expr = PATHS[type_name]
    fields = sorted(REGISTRY.fields(type_name))
    code = f"r = {call}\n" + "\n".join(f"print({expr}.{f})" for f in fields)
    on_type = [r for r in analyze_code(code, REGISTRY).field_reads if r.type_name == type_name]
    assert sorted(r.field for r in on_type) == fields
    assert all(r.valid for r in on_type)


@pytest.mark.parametrize("type_name", sorted(REGISTRY.types))
def test_registry_invented_field_read_fails(type_name: str) -> None:
    """Reading an invented field on a result type is recorded as invalid."""
    call, expr = PATHS[type_name]
    reads = analyze_code(f"r = {call}\nprint({expr}.branch_name)", REGISTRY).field_reads
    assert [(r.type_name, r.valid) for r in reads if r.field == "branch_name"] == [(type_name, False)]


@pytest.mark.parametrize("tool", sorted(REGISTRY.tools))
def test_registry_tool_is_known_to_codeinfo(tool: str) -> None:
    """Every tool in tools.json is recognised as a known tool call."""
    (site,) = analyze_code(f"{tool}()", REGISTRY).calls
    assert (site.tool, site.known) == (tool, True)


def test_registry_item_type_of_nested_list() -> None:
    """SymbolInfo.children holds SymbolInfo items."""
    assert REGISTRY.item_type("SymbolInfo", "children") == "SymbolInfo"


def test_registry_bundled_manifest_carries_what_was_hard_coded() -> None:
    """Families, the untyped fallback, side-effect tools and defaults come from data/schemas/tools.json."""
    assert REGISTRY.families == ("quality", "lsp", "git", "files")
    assert [t for t, s in REGISTRY.tools.items() if s.fallback] == ["run_command"]
    assert sorted(t for t, s in REGISTRY.tools.items() if s.side_effect) == ["run_command", "write_file"]
    assert [(p.name, p.required, p.default) for p in REGISTRY.tool("git_log").params] == [
        ("path", True, None),
        ("count", False, 10),
    ]
    assert REGISTRY.tool("run_command").params[1].types == ("array", "null")
