"""What the code of a tool call would show when run: bound names, output, used results.

The sandbox runs the code in a fresh namespace holding the builtins, the tools and their
result types, and returns to the model only what the code prints (``docs/scoring.md``).
So, statically:

- a name that is read but bound nowhere (not assigned, imported, defined or a parameter;
  not a builtin, a tool or a result type) is a ``NameError`` before anything is shown;
- code with no reachable ``print`` (``pprint``, ``sys.stdout.write``) shows nothing: a bare
  last expression (``r.passed / r.failed``) is not echoed as it would be in a REPL;
- a tool whose result is dropped (a bare call statement, or assigned to a name that is never
  read) answered nothing; tools called for their side effect are exempt.

Flow is not followed: a name bound anywhere counts as bound, a function body counts as
reachable when the function's name is called anywhere.
"""

from __future__ import annotations

import ast
import builtins
import functools

from punie_eval.registry import ToolRegistry
from punie_eval.types import NameUse

BUILTINS = frozenset(dir(builtins))
MODULE_NAMES = frozenset({"__name__", "__file__", "__doc__", "__builtins__", "__spec__", "__loader__"})
PRINT_NAMES = frozenset({"print", "pprint", "pp"})
STREAM_WRITES = frozenset({"write", "writelines"})
_DEFS = ast.FunctionDef | ast.AsyncFunctionDef


@functools.lru_cache(maxsize=4)
def walk(tree: ast.AST) -> tuple[ast.AST, ...]:
    """Every node of ``tree``, walked once and shared by the facts below (the data contracts analyse
    thousands of calls: walking each tree once per fact made the contracts several times slower)."""
    return tuple(ast.walk(tree))


def bound_names(tree: ast.AST) -> frozenset[str] | None:
    """Names the code itself binds; None when ``from m import *`` may bind anything."""
    names: set[str] = set()
    for node in walk(tree):
        if isinstance(node, _DEFS | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                return None
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return frozenset(names)


def undefined_names(tree: ast.AST, registry: ToolRegistry, bound: frozenset[str] | None) -> tuple[NameUse, ...]:
    """Each name read but never bound, once, at its first line. Called names are left to
    the scorer's unknown-tool rule (``git_branch()`` is an unknown tool, not a variable)."""
    if bound is None:
        return ()
    known = bound | BUILTINS | MODULE_NAMES | frozenset(registry.tools) | frozenset(registry.types)
    called = {n.func.id for n in walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    found: dict[str, int] = {}
    reads = [n for n in walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    for node in reads:
        if node.id not in known and node.id not in called:
            found[node.id] = min(found.get(node.id, node.lineno), node.lineno)
    return tuple(NameUse(name, line) for name, line in sorted(found.items(), key=lambda kv: (kv[1], kv[0])))


def _is_print(node: ast.Call) -> bool:
    func = node.func
    if not (node.args or any(kw.arg is None for kw in node.keywords)):
        return False  # print() shows an empty line at most
    if isinstance(func, ast.Name):
        return func.id in PRINT_NAMES
    if isinstance(func, ast.Attribute):
        if func.attr in PRINT_NAMES:  # pprint.pprint(x)
            return True
        stream = func.value
        return (
            func.attr in STREAM_WRITES
            and isinstance(stream, ast.Attribute)
            and stream.attr == "stdout"
            and isinstance(stream.value, ast.Name)
            and stream.value.id == "sys"
        )
    return False


def _called_names(tree: ast.AST) -> set[str]:
    out = set()
    for node in walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                out.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                out.add(node.func.attr)  # obj.method(): any method of that name may run
    return out


def prints(tree: ast.AST) -> bool:
    """Some reachable call prints: module-level code, class bodies, and functions called by name."""
    called = _called_names(tree)
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Call) and _is_print(node):
            return True
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _DEFS) and child.name not in called:
                todo += [*child.decorator_list, *child.args.defaults]
                continue
            todo.append(child)
    return False


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in walk(tree) for child in ast.iter_child_nodes(node)}


def _targets(call: ast.Call, parents: dict[ast.AST, ast.AST]) -> list[ast.expr] | None:
    """The names a call's value is bound to; [] when dropped; None when used in an expression."""
    parent = parents.get(call)
    if isinstance(parent, ast.Expr):
        return []
    if isinstance(parent, ast.NamedExpr):  # (r := tool(...)) is used unless it is a statement
        return [parent.target] if isinstance(parents.get(parent), ast.Expr) else None
    if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is call:
        return parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    if isinstance(parent, ast.Tuple) and isinstance(holder := parents.get(parent), ast.Assign):
        index = parent.elts.index(call)  # a, b = ruff_check(p), typecheck(p)
        picked = [t.elts[index] for t in holder.targets if isinstance(t, ast.Tuple) and len(t.elts) == len(parent.elts)]
        return picked if len(picked) == len(holder.targets) else None
    return None


def unused_results(tree: ast.AST, registry: ToolRegistry) -> tuple[NameUse, ...]:
    """Tool calls whose result is dropped, or bound only to names that are never read."""
    parents = _parents(tree)
    loaded = {n.id for n in walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    out = []
    for node in walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        tool = node.func.id
        if not registry.is_known(tool) or registry.tool(tool).side_effect:  # a status string
            continue
        targets = _targets(node, parents)
        if targets is None or not all(isinstance(t, ast.Name) for t in targets):
            continue
        if not any(isinstance(t, ast.Name) and t.id in loaded for t in targets):
            out.append(NameUse(tool, node.lineno))
    return tuple(sorted(out, key=lambda u: (u.line, u.name)))


__all__ = ["BUILTINS", "bound_names", "prints", "undefined_names", "unused_results"]
