"""Nothing reads the bundled registry (``data/schemas``) except the default registry's loader."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("punie_eval", "scripts", "evals") for p in (REPO / folder).rglob("*.py"))
# paths.py names the folder; registry.py's load_registry() is its one reader.
ALLOWED = {
    "schemas": {"punie_eval/paths.py"},
    "default_registry_dir": {"punie_eval/paths.py", "punie_eval/registry.py"},
}


def _mentions(path: Path) -> set[str]:
    """Which of the watched names the module uses: the folder joined as a path (``x / "schemas"``, a
    ``"data/schemas"`` string) or the function that gives it."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body and isinstance(n.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        joined = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant)
        if joined and node.right.value == "schemas":  # type: ignore[attr-defined]
            found.add("schemas")
        text = node.value if isinstance(node, ast.Constant) and id(node) not in docstrings else None
        if isinstance(text, str) and "data/schemas" in text:
            found.add("schemas")
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.alias):
            name = node.name
        if name == "default_registry_dir":
            found.add("default_registry_dir")
    return found


def test_registry_sources_only_the_loader_reads_data_schemas() -> None:
    """No module but paths.py spells the folder and only registry.py asks for it: everything else gets a registry."""
    offenders = [
        f"{path.relative_to(REPO)} uses {name}"
        for path in SOURCES
        for name in sorted(_mentions(path))
        if str(path.relative_to(REPO)) not in ALLOWED[name]
    ]
    assert offenders == []


def test_registry_sources_scan_finds_the_loader() -> None:
    """The scan is not vacuous: it sees registry.py asking for the folder and paths.py naming it."""
    assert _mentions(REPO / "punie_eval" / "registry.py") == {"default_registry_dir"}
    assert "schemas" in _mentions(REPO / "punie_eval" / "paths.py")
