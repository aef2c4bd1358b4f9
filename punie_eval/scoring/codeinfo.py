"""The code of a tool call → the tools it calls and every field it reads on their results.

AST-based and type-tracked (see ``codeinfo_types``): a name holds a tool's result after
``r = tool(...)``, ``r: T = tool(...)``, ``(r := tool(...))`` or ``a, b = t1(...), t2(...)``;
list fields give their item type to loop variables, indexes, comprehensions, ``enumerate``,
``sorted``/``reversed``/slices and ``key=lambda x: …``. Any attribute read on such a value is a
``FieldRead`` (methods too: ``r.model_dump()`` reads a field that does not exist). Reads on
values not derived from a tool result are not recorded. Re-assigning a name drops its type.
Statements are followed in order at module level and in nested blocks; ``if``/``else``
branches merge; function bodies are read best-effort with their parameters untyped.

Calls of names that are neither tools, builtins, nor defined in the code (``git_branch()``)
are recorded as ``CallSite(known=False)``: in the sandbox only tools are callable.
Arguments are bound to parameter names; positional ones of unknown tools are keyed
``"$0"``, ``"$1"``, …. ``*seq`` and ``**mapping`` of literals (or names assigned one) are
expanded; others set ``CallSite.unpacked`` (``**kwargs`` shows as the keyword ``"**"``) so
binding is judged only on what is visible. Only literal values are kept in ``args``.
Calling a field (``v.fixable()``) is recorded in ``CodeInfo.called_fields``: result fields
hold data. Bound names, output and dropped results come from ``codefacts``.
"""

from __future__ import annotations

import ast
from typing import Any

from punie_eval.registry import ToolRegistry
from punie_eval.scoring.codefacts import BUILTINS, bound_names, prints, undefined_names, unused_results
from punie_eval.scoring.codeinfo_types import LIST_METHODS, ONE_ITEM, SAME_LIST, Typed, field_value, result_of
from punie_eval.types import CallSite, CodeInfo, FieldRead

_MISSING = object()
Env = dict[str, Typed]


class _Analyzer:
    def __init__(self, registry: ToolRegistry, defined: frozenset[str]) -> None:
        self.registry = registry
        self.defined = defined
        self.env: Env = {}
        self.consts: dict[str, Any] = {}
        self.calls: list[CallSite] = []
        self.reads: list[FieldRead] = []
        self.called: list[FieldRead] = []  # field reads that are then called
        self.read_at: dict[int, FieldRead] = {}  # id of an ast.Attribute -> the read it made

    # statements -----------------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            self.assign(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign([node.target], node.value)
            else:
                self.bind(node.target, None)
        elif isinstance(node, ast.AugAssign):
            self.expr(node.value)
            self.bind(node.target, None)
        elif isinstance(node, ast.For | ast.AsyncFor):
            value = self.expr(node.iter)
            self.bind(node.target, value.item() if value else None)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.branches(node.body, node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.block(node.body)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.function(node)
        else:
            self.generic(node)

    def branches(self, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        """Both branches from the same start; a name typed in either stays typed after."""
        start_env, start_consts = dict(self.env), dict(self.consts)
        self.block(body)
        body_env = self.env
        self.env, self.consts = dict(start_env), start_consts
        self.block(orelse)
        self.env = {**self.env, **body_env}

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.expr(default)
        if not isinstance(node, ast.Lambda):
            for deco in node.decorator_list:
                self.expr(deco)
        saved = dict(self.env), dict(self.consts)
        for arg in ast.walk(node.args):
            if isinstance(arg, ast.arg):
                self.env.pop(arg.arg, None)
                self.consts.pop(arg.arg, None)
        if isinstance(node, ast.Lambda):
            self.expr(node.body)
        else:
            self.block(node.body)
        self.env, self.consts = saved

    def generic(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.stmt):
                self.stmt(child)
            elif isinstance(child, ast.keyword):
                self.expr(child.value)
            else:
                self.generic(child)

    def assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        pairs = isinstance(value, ast.Tuple | ast.List) and all(
            isinstance(t, ast.Tuple | ast.List) and len(t.elts) == len(value.elts) for t in targets
        )
        if pairs and isinstance(value, ast.Tuple | ast.List):  # a, b = typecheck(x), ruff_check(y)
            values = [self.expr(v) for v in value.elts]
            for target in targets:
                if isinstance(target, ast.Tuple | ast.List):
                    for sub, typed in zip(target.elts, values, strict=True):
                        self.bind(sub, typed)
            return
        typed = self.expr(value)
        const = self.literal(value)
        for target in targets:
            self.bind(target, typed)
            if isinstance(target, ast.Name) and const is not _MISSING:
                self.consts[target.id] = const

    def bind(self, target: ast.expr, value: Typed | None) -> None:
        if isinstance(target, ast.Name):
            self.consts.pop(target.id, None)
            if value is not None and value.kind != "enum":
                self.env[target.id] = value
            else:
                self.env.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            enum = value is not None and value.kind == "enum" and len(target.elts) == 2
            for i, sub in enumerate(target.elts):  # for i, item in enumerate(r.files)
                item = Typed(value.tool, value.type_name, value.path) if enum and value else None
                self.bind(sub, item if i == 1 else None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, None)
        elif isinstance(target, ast.Attribute | ast.Subscript):
            self.expr(target.value)  # a store on an object: the object is read, the attribute is not
            if isinstance(target, ast.Subscript):
                self.expr(target.slice)

    # expressions ----------------------------------------------------------------------
    def expr(self, node: ast.expr) -> Typed | None:
        if isinstance(node, ast.Name):
            return self.env.get(node.id) if isinstance(node.ctx, ast.Load) else None
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            value, _ = self.expr(node.value), self.expr(node.slice)
            if value is None or value.kind != "list":
                return None
            return value if isinstance(node.slice, ast.Slice) else value.item()
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value)
            return value
        if isinstance(node, ast.IfExp | ast.BoolOp):
            parts = [node.test, node.body, node.orelse] if isinstance(node, ast.IfExp) else node.values
            values = [self.expr(p) for p in parts]
            return next((v for v in values[1 if isinstance(node, ast.IfExp) else 0 :] if v), None)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Lambda):
            self.function(node)
            return None
        self.generic(node)
        return None

    def attribute(self, node: ast.Attribute) -> Typed | None:
        value = self.expr(node.value)
        if value is None or value.kind == "enum" or (value.kind == "list" and node.attr in LIST_METHODS):
            return None
        typed = self.read(value, node.attr, node.lineno)
        self.read_at[id(node)] = self.reads[-1]
        return typed

    def read(self, value: Typed, field: str, line: int) -> Typed | None:
        if value.kind == "list":  # r.files.staged: a list has no fields
            type_name, valid = f"list[{value.type_name}]", False
        else:
            type_name, valid = value.type_name, field in self.registry.fields(value.type_name)
        self.reads.append(FieldRead(value.tool, type_name, value.child(field), field, valid, line))
        return field_value(self.registry, value, field) if valid else None

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Typed | None:
        saved = dict(self.env), dict(self.consts)
        for gen in node.generators:
            value = self.expr(gen.iter)
            self.bind(gen.target, value.item() if value else None)
            for cond in gen.ifs:
                self.expr(cond)
        if isinstance(node, ast.DictComp):
            self.expr(node.key)
            self.expr(node.value)
            elt = None
        else:
            elt = self.expr(node.elt)
        self.env, self.consts = saved
        return elt.as_list() if elt is not None and elt.kind == "obj" else None

    def call(self, node: ast.Call) -> Typed | None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in ("filter", "map") and len(node.args) == 2 and isinstance(node.args[0], ast.Lambda):
            items = self.expr(node.args[1])  # filter(lambda v: v.fixable, r.violations)
            self.lambda_over(node.args[0], items)
            return items if name == "filter" and items is not None and items.kind == "list" else None
        first = self.expr(node.args[0]) if node.args else None
        rest = [self.expr(a) for a in node.args[1:]]
        if name is None:
            self.expr(func)
            # v.fixable(): the attribute read a field, and fields hold data
            if (read := self.read_at.get(id(func))) is not None and read.valid:
                self.called.append(read)
        for kw in node.keywords:
            if kw.arg == "key" and isinstance(kw.value, ast.Lambda):
                self.lambda_over(kw.value, first)  # sorted(r.files, key=lambda f: f.file)
            else:
                self.expr(kw.value)
        if name is not None and self.registry.is_known(name):
            self.calls.append(self.site(name, True, node))
            return result_of(self.registry, name)
        if name is not None and name not in BUILTINS and name not in self.defined:
            self.calls.append(self.site(name, False, node))
            return None
        if first is None or first.kind == "enum":
            return None
        if name == "getattr" and len(node.args) >= 2:
            attr = self.literal(node.args[1])
            return self.read(first, attr, node.lineno) if isinstance(attr, str) else None
        if name == "enumerate" and first.kind == "list":
            return Typed(first.tool, first.type_name, first.path, "enum")
        if name in SAME_LIST and first.kind == "list":
            return first
        if name in ONE_ITEM and first.kind == "list" and not rest:
            return first.item()
        return None

    def lambda_over(self, lam: ast.Lambda, items: Typed | None) -> None:
        """A lambda applied to the items of ``items``: its first parameter is one item."""
        saved = dict(self.env), dict(self.consts)
        for arg in ast.walk(lam.args):
            if isinstance(arg, ast.arg):
                self.env.pop(arg.arg, None)
                self.consts.pop(arg.arg, None)
        if lam.args.args and items is not None and items.kind == "list":
            self.env[lam.args.args[0].arg] = items.item()
        self.expr(lam.body)
        self.env, self.consts = saved

    def site(self, tool: str, is_known: bool, node: ast.Call) -> CallSite:
        """Arguments bound to parameter names; ``*seq`` / ``**mapping`` of literals are expanded."""
        names = self.registry.tool(tool).param_names if is_known else ()
        args: dict[str, Any] = {}
        values: list[Any] = []  # positional values in order (_MISSING when not a literal)
        known: int | None = None  # after an unresolved *seq, positions are unknown
        for arg in node.args:
            if not isinstance(arg, ast.Starred):
                values.append(self.literal(arg))
            elif known is None and isinstance(items := self.literal(arg.value), list | tuple):
                values += list(items)
            elif known is None:
                known = len(values)
        for i, value in enumerate(values[:known]):
            if value is not _MISSING:
                args[names[i] if i < len(names) else f"${i}"] = value
        unpacked = known is not None
        keywords: list[str] = []
        for kw in node.keywords:
            value = self.literal(kw.value)
            if kw.arg is not None:
                keywords.append(kw.arg)
                if value is not _MISSING:
                    args[kw.arg] = value
            elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
                keywords += list(value)
                args.update(value)
            else:
                keywords.append("**")
                unpacked = True
        return CallSite(tool, is_known, len(values), tuple(keywords), args, node.lineno, unpacked)

    def literal(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.consts[node.id]
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return _MISSING


def analyze_code(code: str, registry: ToolRegistry) -> CodeInfo:
    """Tool call sites and type-tracked field reads of ``code``; a syntax error is a value."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        line = getattr(err, "lineno", None)
        where = f" (line {line})" if line else ""
        return CodeInfo(syntax_error=f"{type(err).__name__}: {getattr(err, 'msg', None) or err}{where}")
    bound = bound_names(tree)
    analyzer = _Analyzer(registry, bound if bound is not None else frozenset())
    try:
        analyzer.block(tree.body)
        undefined = undefined_names(tree, registry, bound)
        unused = unused_results(tree, registry)
        shows = prints(tree)
    except RecursionError:
        return CodeInfo(syntax_error="RecursionError: code nested too deeply to analyse")
    return CodeInfo(
        syntax_error=None,
        calls=tuple(analyzer.calls),
        field_reads=tuple(analyzer.reads),
        called_fields=tuple(analyzer.called),
        undefined=undefined,
        unused_results=unused,
        prints=shows,
    )


__all__ = ["analyze_code"]
