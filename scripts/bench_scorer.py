"""Scorer validity by mutation: does strict scoring fail wrong answers and pass right ones?

For every tool-calling turn of the suite (turn 1 of each tool query, turn 2 of each chain
query) a reference-correct response is built from the query's expectations and the tool
schemas: each expected tool called with its expected arguments (other required ones get a
plausible literal), its expected fields printed (otherwise two scalar fields and a loop
over its first list field), one ``print`` per value. Prose turns (direct answers, questions
about a tool, turn-2 summaries) get a one-sentence answer naming the expected keywords. The
reference must pass strict; one that does not is a benchmark error, reported and not scored.

Then three kinds of variants, each scored by the real scorer (``score_turn``):

- format mutants (wire-format damage): every one must fail strict;
- semantic mutants (the code does the wrong thing): at least 99% must fail strict;
- rewrites that keep the meaning: none may fail strict (a false fail).

An operator that does not apply to a reference (no expected argument to change, one result
only, no loop to rewrite) produces no variant for it; nothing is counted for it.

    PYTHONPATH=. python scripts/bench_scorer.py                 # table, writes docs/scorer-validity.json
    PYTHONPATH=. python scripts/bench_scorer.py --sample 10 --no-write
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from punie_eval.queries import Query, QuerySuite, load_suite
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.scoring.layers import SCORER_VERSION, score_turn
from punie_eval.types import FinishReason, Response

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "docs" / "scorer-validity.json"
Kind = Literal["format", "semantic", "rewrite"]
TARGETS = {"format": 1.0, "semantic": 0.99, "rewrite": 0.0}  # kill rate; rewrites: false-fail rate

# Plausible literals for required parameters the query leaves free.
PLACEHOLDERS: dict[str, Any] = {
    "path": "src/",
    "file_path": "src/punie/agent/config.py",
    "line": 18,
    "column": 6,
    "symbol": "AgentConfig",
    "query": "AgentConfig",
    "content": "",
    "command": "ls",
}
VARIABLES = {
    "typecheck": "types",
    "ruff_check": "lint",
    "pytest_run": "tests",
    "goto_definition": "definition",
    "find_references": "refs",
    "hover": "info",
    "document_symbols": "symbols",
    "workspace_symbols": "found",
    "git_status": "status",
    "git_diff": "diff",
    "git_log": "log",
    "read_file": "source",
}
ORDER = (  # table rows: format mutants, semantic mutants, rewrites
    "missing wrapper",
    "unclosed tag",
    "preamble",
    "announce-then-stop",
    "stray closing markup",
    "truncation at max tokens",
    "repetition loop",
    "wrong tool",
    "wrong argument value",
    "dropped argument",
    "extra argument",
    "nonexistent field",
    "field read on the wrong result",
    "call of a non-callable field",
    "undefined name",
    "no output",
    "tool call instead of prose",
    "empty answer",
    "renamed variables",
    "compact layout",
    "str.format instead of f-string",
    "independent prints reordered",
    "loop as comprehension",
    "annotated assignment",
    "prose reflowed",
)
ANNOUNCE = "I'll call {tool} and show you what it returns."
PREAMBLES = ("Let me check that for you.\n\n", "Sure! Here is the call:\n")


# ---- the reference, as data -------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One tool call and what is printed of its result."""

    tool: str
    var: str
    args: tuple[tuple[str | None, Any], ...]  # (keyword or None for positional, literal)
    typed: bool  # the result has fields (read_file returns plain str)
    scalars: tuple[str, ...] = ()  # fields printed one per line
    loops: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (list field, item fields printed)


@dataclass(frozen=True)
class Style:
    """How blocks are written out; the semantics-preserving rewrites change one of these."""

    compact: bool = False
    fmt: Literal["fstring", "format"] = "fstring"
    comprehension: bool = False
    annotated: bool = False
    reversed_prints: bool = False
    rename: str = ""  # suffix for every variable
    item: str = "item"


@dataclass(frozen=True)
class Item:
    """A tool-calling turn to benchmark."""

    query: Query
    turn: int
    tools: tuple[str, ...]  # () for a prose turn
    keywords: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.query.id if self.turn == 1 else f"{self.query.id}#2"


@dataclass(frozen=True)
class Variant:
    operator: str
    kind: Kind
    text: str
    finish: FinishReason | None = "stop"
    note: str = ""


@dataclass
class Tally:
    kind: Kind
    variants: int = 0
    failed: int = 0  # strict fails: kills for mutants, false fails for rewrites
    survivors: list[str] = field(default_factory=list)


def items_of(suite: QuerySuite) -> list[Item]:
    out = []
    for query in suite.queries:
        out.append(Item(query, 1, query.tools) if query.expect == "tool" else Item(query, 1, (), query.keywords))
        if query.turn2 is not None:
            turn2 = query.turn2
            out.append(Item(query, 2, turn2.tools) if turn2.expect == "chain" else Item(query, 2, (), turn2.keywords))
    return out


def _scalar_fields(registry: ToolRegistry, type_name: str, avoid: Sequence[str]) -> list[str]:
    fields = registry.types[type_name].fields.values()
    return [f.name for f in fields if not f.item_type and f.name not in ("success", "parse_error", *avoid)]


def _block(item: Item, tool: str, registry: ToolRegistry, index: int) -> Block:
    spec = registry.tool(tool)
    wanted = item.query.args.get(tool, {})
    free = {**PLACEHOLDERS, "path": PLACEHOLDERS["file_path"]} if spec.family == "files" else PLACEHOLDERS
    args: list[tuple[str | None, Any]] = [(None, wanted.get(p.name, free[p.name])) for p in spec.params if p.required]
    args += [(p.name, wanted[p.name]) for p in spec.params if not p.required and p.name in wanted]
    var = VARIABLES.get(tool, "result") + (str(index) if list(item.tools).count(tool) > 1 else "")
    if spec.returns is None:
        return Block(tool, var, tuple(args), typed=False)
    forbidden = item.query.forbidden_fields.get(tool, ())
    expected = item.query.fields.get(tool, ())
    if expected:
        lists = {p.split(".")[0] for p in expected if registry.item_type(spec.returns, p.split(".")[0])}
        scalars = [p for p in expected if "." not in p and p not in lists]
        loops = [(lf, tuple(p.split(".", 1)[1] for p in expected if p.startswith(lf + "."))) for lf in sorted(lists)]
        loops = [
            (lf, subs or tuple(_scalar_fields(registry, registry.item_type(spec.returns, lf) or "", ())[:1]))
            for lf, subs in loops
        ]
    else:
        scalars = _scalar_fields(registry, spec.returns, forbidden)[:2]
        first_list = next((f for f in registry.types[spec.returns].fields.values() if f.item_type), None)
        loops = []
        if first_list is not None and first_list.item_type and first_list.name not in forbidden:
            loops = [(first_list.name, tuple(_scalar_fields(registry, first_list.item_type, ())[:2]))]
    return Block(tool, var, tuple(args), True, tuple(scalars), tuple(loops))


def reference(item: Item, registry: ToolRegistry) -> list[Block]:
    return [_block(item, tool, registry, i) for i, tool in enumerate(item.tools)]


# ---- rendering ---------------------------------------------------------------------------------
def _call(block: Block) -> str:
    parts = [repr(v) if k is None else f"{k}={v!r}" for k, v in block.args]
    return f"{block.tool}({', '.join(parts)})"


def _show(values: Sequence[str], style: Style, label: str | None = None) -> str:
    """print(...) of values: f-string or str.format, labelled or space-separated."""
    if style.fmt == "fstring":
        body = " ".join("{" + v + "}" for v in values)
        return f'print(f"{label}: {body}")' if label else f'print(f"{body}")'
    holes = " ".join("{}" for _ in values)
    return f'print("{label + ": " if label else ""}{holes}".format({", ".join(values)}))'


def render_code(blocks: Sequence[Block], registry: ToolRegistry, style: Style = Style()) -> str:
    lines: list[str] = []
    for block in blocks:
        var = block.var + style.rename
        returns = registry.tool(block.tool).returns or "str"
        lines.append(f"{var}: {returns} = {_call(block)}" if style.annotated else f"{var} = {_call(block)}")
        prints = [_show([f"{var}.{f}"], style, f) for f in block.scalars] if block.typed else [_show([var], style)]
        lines += reversed(prints) if style.reversed_prints else prints
        for list_field, subs in block.loops:
            item = style.item
            if style.comprehension:
                row = "(" + ", ".join(f"{item}.{s}" for s in subs) + ("," if len(subs) == 1 else "") + ")"
                lines.append(f"print([{row} for {item} in {var}.{list_field}])")
            else:
                lines += [f"for {item} in {var}.{list_field}:", "    " + _show([f"{item}.{s}" for s in subs], style)]
    return "\n".join(lines)


def wire(code: str, compact: bool = False) -> str:
    if compact:
        return f"<tool_call><function=execute_code><parameter=code>\n{code}\n</parameter></function></tool_call>"
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


# ---- semantic mutants --------------------------------------------------------------------------
def _sibling(tool: str, registry: ToolRegistry) -> str:
    """The most confusable other tool: same family, same parameters if possible."""
    family = registry.family(tool)
    others = [t for t in registry.tools if t != tool and registry.family(t) == family and t != "run_command"]
    same = [t for t in others if registry.tool(t).param_names == registry.tool(tool).param_names]
    return (same or others or ["run_command"])[0]


def _other_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return "src/other/" if "/" in str(value) or value == "." else f"{value}X"


def _absent_field(registry: ToolRegistry, type_name: str, salt: int) -> str:
    own = registry.fields(type_name)
    candidates = sorted({f for t in registry.types.values() for f in t.fields} - own)
    return candidates[salt % len(candidates)]


def _item_type(registry: ToolRegistry, block: Block, list_field: str) -> str:
    return registry.item_type(registry.tool(block.tool).returns or "", list_field) or ""


def semantic_mutants(item: Item, blocks: list[Block], registry: ToolRegistry) -> Iterator[Variant]:
    def code(changed: Sequence[Block]) -> str:
        return wire(render_code(changed, registry))

    for i, block in enumerate(blocks):

        def swap(new: Block, i: int = i) -> list[Block]:
            return [*blocks[:i], new, *blocks[i + 1 :]]

        yield Variant(
            "wrong tool", "semantic", code(swap(replace(block, tool=_sibling(block.tool, registry)))), note=block.tool
        )
        wanted = item.query.args.get(block.tool, {})
        for j, (key, value) in enumerate(block.args):
            name = key or registry.tool(block.tool).param_names[j]
            if name in wanted:
                args = list(block.args)
                args[j] = (key, _other_value(value))
                yield Variant(
                    "wrong argument value", "semantic", code(swap(replace(block, args=tuple(args)))), note=name
                )
            dropped = block.args[:j] + block.args[j + 1 :]
            yield Variant("dropped argument", "semantic", code(swap(replace(block, args=dropped))), note=name)
        positional = [a for a in block.args if a[0] is None]
        keywords = [a for a in block.args if a[0] is not None]
        extra_kw = replace(block, args=(*block.args, ("recursive", True)))
        extra_pos = replace(block, args=(*positional, (None, "extra"), *keywords))
        yield Variant("extra argument", "semantic", code(swap(extra_kw)), note="unknown keyword")
        yield Variant("extra argument", "semantic", code(swap(extra_pos)), note="extra positional")
        if not block.typed:
            continue
        returns = registry.tool(block.tool).returns or ""
        for k, name in enumerate(block.scalars):
            scalars = list(block.scalars)
            scalars[k] = _absent_field(registry, returns, i + k)
            yield Variant(
                "nonexistent field", "semantic", code(swap(replace(block, scalars=tuple(scalars)))), note=name
            )
        for list_field, subs in block.loops:
            bad = _absent_field(registry, _item_type(registry, block, list_field), i)
            loops = tuple((lf, (bad, *ss[1:]) if lf == list_field else ss) for lf, ss in block.loops)
            yield Variant(
                "nonexistent field", "semantic", code(swap(replace(block, loops=loops))), note=f"{list_field}.{subs[0]}"
            )
        text = render_code(blocks, registry)
        reads = [f"{block.var}.{f}" for f in block.scalars] + [f"item.{s}" for _, ss in block.loops for s in ss]
        for read in dict.fromkeys(reads):
            yield Variant(
                "call of a non-callable field",
                "semantic",
                wire(text.replace(f"{{{read}}}", f"{{{read}()}}", 1)),
                note=read,
            )
        others = [b for b in blocks if b.typed and b.var != block.var]
        if others and (block.scalars or block.loops):
            moved = "\n".join(_redirect(line, block.var, others[0].var) for line in text.splitlines())
            yield Variant(
                "field read on the wrong result", "semantic", wire(moved), note=f"{block.var} → {others[0].var}"
            )
        first_read = f"{{{block.var}." if block.scalars else f" in {block.var}."
        if first_read in text:
            undefined = text.replace(first_read, first_read.replace(block.var, "result_"), 1)
            yield Variant("undefined name", "semantic", wire(undefined), note="misspelled result variable")
    text = render_code(blocks, registry)
    yield Variant("undefined name", "semantic", wire(text + "\nprint(total)"), note="unbound extra value")
    silent = "\n".join(_unprint(line) for line in text.splitlines())
    yield Variant("no output", "semantic", wire(silent), note="every print made a bare expression")


def _redirect(line: str, old: str, new: str) -> str:
    """Field reads on ``old`` read ``new`` instead (the assignment line keeps ``old``)."""
    if line.startswith((f"{old} =", f"{old}:")):
        return line
    return line.replace(f"{{{old}.", f"{{{new}.").replace(f" in {old}.", f" in {new}.")


def _unprint(line: str) -> str:
    """print(f"x: {a.b}") → a.b: the value is computed but not shown."""
    stripped = line.lstrip()
    if not stripped.startswith("print("):
        return line
    indent = line[: len(line) - len(stripped)]
    inner = stripped[len('print(f"') : -len('")')]
    values = [part.split("}")[0] for part in inner.split("{")[1:]] or [stripped[len("print(") : -1]]
    return indent + ", ".join(values)


# ---- format mutants ----------------------------------------------------------------------------
def format_mutants(item: Item, blocks: list[Block], registry: ToolRegistry) -> Iterator[Variant]:
    code = render_code(blocks, registry)
    text = wire(code)
    yield Variant("missing wrapper", "format", text.removeprefix("<tool_call>\n").removesuffix("\n</tool_call>"))
    yield Variant("missing wrapper", "format", text.removeprefix("<tool_call>\n"), note="opening tag only")
    for tag in ("</tool_call>", "</function>", "</parameter>"):
        yield Variant("unclosed tag", "format", text.replace("\n" + tag, "", 1), note=tag)
    for preamble in PREAMBLES:
        yield Variant("preamble", "format", preamble + text, note=preamble.strip())
    yield Variant("announce-then-stop", "format", ANNOUNCE.format(tool=blocks[0].tool))
    opening = "<tool_call>\n<function=execute_code>\n<parameter=code>\n"
    yield Variant("stray closing markup", "format", text.removeprefix(opening))
    for share in (3, 2):
        cut = len(text) * (share - 1) // share
        yield Variant("truncation at max tokens", "format", text[:cut], finish="length", note=f"cut at {cut}")
    yield Variant("truncation at max tokens", "format", text, finish="length", note="whole call, no EOS")
    last = code.splitlines()[-1]
    looped = wire(code + ("\n" + last) * 6)
    yield Variant("repetition loop", "format", looped, note="last line repeated")
    yield Variant("repetition loop", "format", "\n".join([text] * 3), note="whole call repeated")


# ---- rewrites ----------------------------------------------------------------------------------
def rewrites(item: Item, blocks: list[Block], registry: ToolRegistry) -> Iterator[Variant]:
    def out(operator: str, style: Style) -> Variant:
        return Variant(operator, "rewrite", wire(render_code(blocks, registry, style), style.compact))

    yield out("renamed variables", Style(rename="_result", item="entry"))
    yield out("compact layout", Style(compact=True))
    yield out("str.format instead of f-string", Style(fmt="format"))
    if any(len(b.scalars) > 1 for b in blocks):
        yield out("independent prints reordered", Style(reversed_prints=True))
    if any(b.loops for b in blocks):
        yield out("loop as comprehension", Style(comprehension=True))
    yield out("annotated assignment", Style(annotated=True))


# ---- prose turns ------------------------------------------------------------------------------
def prose_reference(item: Item) -> str:
    if not item.keywords:
        return "It depends on how the object is used; the language reference describes each case in detail."
    return f"The answer turns on {', '.join(item.keywords)}; each of them changes how the code behaves."


def prose_variants(item: Item, text: str) -> Iterator[Variant]:
    yield Variant("announce-then-stop", "format", "I'll look into how the diff command treats staged files.")
    yield Variant("stray closing markup", "format", text + "\n</parameter>\n</function>\n</tool_call>")
    yield Variant(
        "stray closing markup", "format", 'r = git_log(".", count=6)\nprint(r.commits)\n</parameter>', note="debris"
    )
    yield Variant("truncation at max tokens", "format", text[: len(text) // 2], finish="length")
    yield Variant("repetition loop", "format", " ".join([text] * 4))
    yield Variant("tool call instead of prose", "semantic", wire('print(git_status(".").clean)'))
    yield Variant("empty answer", "semantic", "  \n")
    words, lines, line = text.split(), [], ""
    for word in words:  # the same words, wrapped at 40 columns
        line = f"{line} {word}".strip()
        if len(line) > 40:
            lines.append(line)
            line = ""
    yield Variant("prose reflowed", "rewrite", "\n".join([*lines, line] if line else lines))


# ---- running -----------------------------------------------------------------------------------
GENERATORS: tuple[Callable[[Item, list[Block], ToolRegistry], Iterator[Variant]], ...] = (
    format_mutants,
    semantic_mutants,
    rewrites,
)


def run(suite: QuerySuite, registry: ToolRegistry, sample: int | None = None) -> dict[str, Any]:
    items = items_of(suite)
    if sample is not None:
        step = max(1, len(items) // sample)
        items = items[::step][:sample]
    tallies: dict[str, Tally] = {}
    errors: list[dict[str, str]] = []
    for item in items:
        blocks = reference(item, registry) if item.tools else []
        text = wire(render_code(blocks, registry)) if item.tools else prose_reference(item)
        ref = score_turn(item.query, Response(text, "stop"), registry, turn=item.turn)
        if not ref.strict:
            failure = ref.failure
            errors.append({"item": item.name, "failure": f"{failure.name}: {failure.reason}" if failure else "?"})
            continue
        variants = (
            (v for g in GENERATORS for v in g(item, blocks, registry)) if item.tools else prose_variants(item, text)
        )
        for variant in variants:
            strict = score_turn(item.query, Response(variant.text, variant.finish), registry, turn=item.turn).strict
            tally = tallies.setdefault(variant.operator, Tally(variant.kind))
            tally.variants += 1
            tally.failed += not strict
            if strict == (variant.kind != "rewrite"):  # a surviving mutant or a false fail
                tally.survivors.append(f"{item.name}: {variant.note}".rstrip(": "))
    return _report(suite, len(items), errors, tallies)


def _rate(failed: int, n: int) -> float | None:
    return round(failed / n, 4) if n else None


def _report(suite: QuerySuite, n_items: int, errors: list[dict[str, str]], tallies: dict[str, Tally]) -> dict[str, Any]:
    operators = [
        {
            "operator": name,
            "kind": t.kind,
            "variants": t.variants,
            ("false_fails" if t.kind == "rewrite" else "killed"): t.failed,
            "rate": _rate(t.failed, t.variants),
            "survivors" if t.kind != "rewrite" else "false_failures": t.survivors,
        }
        for name, t in sorted(tallies.items(), key=lambda kv: ORDER.index(kv[0]))
    ]
    totals: dict[str, dict[str, Any]] = {}
    for kind in ("format", "semantic", "rewrite"):
        rows = [t for t in tallies.values() if t.kind == kind]
        n, failed = sum(t.variants for t in rows), sum(t.failed for t in rows)
        totals[kind] = {"variants": n, "failed": failed, "rate": _rate(failed, n)}
    format_ok = all(t.failed == t.variants for t in tallies.values() if t.kind == "format")
    semantic_ok = (totals["semantic"]["rate"] or 0) >= TARGETS["semantic"]
    rewrite_ok = totals["rewrite"]["failed"] == 0
    return {
        "format": "punie-scorer-validity/1",
        "scorer_version": SCORER_VERSION,
        "suite": {"name": suite.name, "fingerprint": suite.fingerprint[:12]},
        "items": n_items,
        "reference_errors": errors,
        "operators": operators,
        "totals": totals,
        "targets": {
            "format_each_killed": format_ok,
            "semantic_killed_at_least": TARGETS["semantic"],
            "semantic_ok": semantic_ok,
            "rewrite_false_fails_zero": rewrite_ok,
            "met": format_ok and semantic_ok and rewrite_ok and not errors,
        },
    }


def table(report: dict[str, Any]) -> str:
    header = f"{'operator':<32} {'kind':<9} {'variants':>8} {'failed':>7} {'rate':>8}"
    lines = [f"{report['items']} turns, scorer {report['scorer_version']}", "", header, "-" * len(header)]
    for row in sorted(report["operators"], key=lambda r: ORDER.index(r["operator"])):
        failed = row.get("killed", row.get("false_fails", 0))
        rate = "-" if row["rate"] is None else f"{100 * row['rate']:.1f}%"
        lines.append(f"{row['operator']:<32} {row['kind']:<9} {row['variants']:>8} {failed:>7} {rate:>8}")
    lines.append("")
    for kind, total in report["totals"].items():
        what = "false fails" if kind == "rewrite" else "killed"
        rate = "-" if total["rate"] is None else f"{100 * total['rate']:.1f}%"
        lines.append(f"{kind:<9} {total['variants']:>5} variants, {total['failed']:>5} {what} ({rate})")
    for row in report["operators"]:
        for name in row.get("survivors", []) + row.get("false_failures", []):
            lines.append(f"  {'survived' if row['kind'] != 'rewrite' else 'false fail'} {row['operator']}: {name}")
    for err in report["reference_errors"]:
        lines.append(f"  reference error {err['item']}: {err['failure']}")
    lines.append(f"targets {'met' if report['targets']['met'] else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queries", type=Path, default=None, help="query suite (default data/queries.json)")
    parser.add_argument("--sample", type=int, default=None, help="benchmark only N evenly spaced turns")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the report")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    registry = load_registry()
    report = run(load_suite(args.queries, registry), registry, args.sample)
    print(table(report))
    if not args.no_write:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if report["targets"]["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
