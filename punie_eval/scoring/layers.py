"""Responses → layered verdicts, in the layer order of docs/architecture.md.

A turn that expects a tool call gets the layers

    gate → extract → format → syntax → identity (turn 2: chain) → arguments → fields → completeness → output

and a turn that expects prose gets ``gate → format → prose`` (turn 2 summary: ``... → summary``).
``output`` judges what running the code would show (``codefacts``): something printed, no
undefined name, no dropped tool result, no looping line. The prose layer fails an answer
that only announces what it will do, or carries tool-call markup.
``gate`` alone is the soft verdict. Every layer is recorded, not only up to the first failure,
so a report shows everything wrong at once. Layers after ``gate`` look at the code of every
call that has one, near misses included (a missing ``<tool_call>`` fails ``extract`` but its
code is still checked); when no call carries code the later layers fail with the reason
"not reached". ``format`` fails on the wire-format problems around a call that the seed
traced the 46% model to (a preamble, trailing text, several calls, no EOS before max tokens,
a leaked think block): a response that only works after post-processing is not a strict pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from punie_eval.queries import Query
from punie_eval.registry import ToolRegistry
from punie_eval.scoring.codeinfo import analyze_code
from punie_eval.scoring.diagnosis import (
    CODE_LINE_TIMES,
    announces_only,
    diagnose,
    repeated_chunk,
    repeated_line,
    stray_markup,
)
from punie_eval.scoring.parsing import parse_response, strip_leading_think
from punie_eval.scoring.rules import (
    argument_mismatch,
    binding_problems,
    field_kind,
    keyword_found,
    read_as,
    render_call,
)
from punie_eval.types import CallSite, CodeInfo, Diagnosis, Layer, ParsedResponse, QueryScore, Response, TurnScore

SCORER_VERSION = "2"  # 2: stray markup, called fields, undefined names, output, all binding problems
ThinkPolicy = Literal["fail", "strip"]
THINK_POLICIES: tuple[ThinkPolicy, ...] = ("fail", "strip")
NOT_REACHED = "not reached: no tool call with code"
# Labels that fail the format layer; the rest are judged by extract/syntax/gate/prose.
FORMAT_LABELS = frozenset({"preamble", "trailing_text", "multiple_calls", "max_tokens", "think_leak", "stray_markup"})
NO_OUTPUT = "prints nothing: the sandbox returns only what the code prints"


@dataclass(frozen=True)
class _Expect:
    """What one tool-calling turn must do."""

    tools: tuple[str, ...]
    args: Mapping[str, Mapping[str, Any]]
    fields: Mapping[str, tuple[str, ...]]
    forbidden: Mapping[str, tuple[str, ...]]
    identity_layer: str  # "identity" in turn 1, "chain" in turn 2


# ---- layers ------------------------------------------------------------------------------------
def _keywords_layer(name: str, keywords: Sequence[str], text: str) -> Layer | None:
    if not keywords:
        return None
    found = [k for k in keywords if keyword_found(k, text)]
    need = math.ceil(len(keywords) / 2)
    missing = [k for k in keywords if k not in found]
    reason = f"{len(found)}/{len(keywords)} keywords (need {need})" + (f"; missing {missing}" if missing else "")
    return Layer(name, len(found) >= need, reason)


def _gate_tool(parsed: ParsedResponse, label: str, detail: str) -> Layer:
    n = len(parsed.calls)
    if n:
        return Layer("gate", True, f"{n} tool call{'s' if n > 1 else ''}")
    return Layer("gate", False, f"expected a tool call, got none ({label}: {detail})")


def _extract(parsed: ParsedResponse) -> Layer:
    for i, call in enumerate(parsed.calls, 1):
        problems = []
        if call.style == "json":
            problems.append("JSON call, not XML")
        if not call.wrapped:
            problems.append("no <tool_call> wrapper")
        if call.function != "execute_code":
            problems.append(f"function {call.function!r}, not 'execute_code'" if call.function else "no <function=…>")
        elif call.code is None:
            problems.append(f"no code parameter (has {sorted(call.params)})")
        if not call.closed:
            problems.append("unclosed tag")
        if problems:
            return Layer("extract", False, f"call {i}: {'; '.join(problems)}")
    return Layer("extract", True, "<tool_call><function=execute_code><parameter=code> well-formed")


def _identity(name: str, sites: Sequence[CallSite], expect: _Expect, registry: ToolRegistry) -> Layer:
    called = [s.tool for s in sites]
    got = ", ".join(render_call(s, registry) for s in sites) or "no tool call in the code"
    wanted = " or ".join(expect.tools)
    if not any(t in called for t in expect.tools):
        return Layer(name, False, f"expected {wanted}, got {got}")
    fallbacks = [s for s in sites if s.known and registry.tool(s.tool).fallback and s.tool not in expect.tools]
    if fallbacks:  # run_command("git", ["status"]) where git_status exists
        fallback = fallbacks[0]
        return Layer(name, False, f"expected {wanted}, got {render_call(fallback, registry)} (untyped fallback)")
    return Layer(name, True, f"called {', '.join(t for t in expect.tools if t in called)}")


def _arguments(sites: Sequence[CallSite], expect: _Expect, registry: ToolRegistry) -> Layer:
    known = [s for s in sites if s.known]
    problems = [f"{p} (line {s.line})" for s in known for p in binding_problems(s, registry)]
    for tool, wanted in expect.args.items():
        tool_sites = [s for s in known if s.tool == tool]
        mismatches = [argument_mismatch(s, wanted, registry) for s in tool_sites]
        if not tool_sites or not all(mismatches):
            continue
        closest = min(mismatches, key=len)
        want = ", ".join(f"{k}={v!r}" for k, v in wanted.items())
        problems.append(f"{tool}: expected {want}, got {', '.join(closest)}")
    if problems:
        return Layer("arguments", False, "; ".join(problems))
    return Layer("arguments", True, f"{len(known)} call(s) bind to their signatures")


def _fields(infos: Sequence[tuple[str, CodeInfo]], expect: _Expect, registry: ToolRegistry) -> Layer:
    problems: list[str] = []
    reads = [(code, r) for code, info in infos for r in info.field_reads]
    for code, read in reads:
        if not read.valid:
            problems.append(f"{read.type_name} has no field {read.field!r} ({read_as(read, code)})")
    for code, info in infos:
        for read in info.called_fields:
            kind = field_kind(read, registry)
            problems.append(f"{read.type_name}.{read.field} is {kind}; calling it fails ({read_as(read, code)})")
    valid = {(r.tool, r.path) for _, r in reads if r.valid}
    for tool, paths in expect.fields.items():
        problems += [f"expected {tool}(…).{p} to be read" for p in paths if (tool, p) not in valid]
    for tool, paths in expect.forbidden.items():
        problems += [f"{tool}(…).{p} must not be read" for p in paths if (tool, p) in valid]
    if problems:
        return Layer("fields", False, "; ".join(dict.fromkeys(problems)))
    wanted = [p for paths in expect.fields.values() for p in paths]
    return Layer(
        "fields", True, f"{len(reads)} field read(s), all valid" + (f"; read {', '.join(wanted)}" if wanted else "")
    )


def _completeness(sites: Sequence[CallSite], expect: _Expect) -> Layer:
    called = {s.tool for s in sites}
    missing = [t for t in expect.tools if t not in called]
    unknown = sorted({s.tool for s in sites if not s.known})
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
        [f"unknown tool {', '.join(u + '()' for u in unknown)}"] if unknown else []
    )
    if problems:
        return Layer("completeness", False, "; ".join(problems))
    return Layer("completeness", True, f"all of {', '.join(expect.tools)} called")


def _output(infos: Sequence[tuple[str, CodeInfo]]) -> Layer:
    problems = []
    for i, (code, info) in enumerate(infos, 1):
        where = f"call {i} " if len(infos) > 1 else ""
        problems += [f"{where}reads undefined name {u.name!r} (line {u.line})" for u in info.undefined]
        problems += [f"{where}drops the result of {u.name}() (line {u.line})" for u in info.unused_results]
        if not info.prints:
            problems.append(f"{where}{NO_OUTPUT}")
        if loop := repeated_line(code, CODE_LINE_TIMES):
            problems.append(f"{where}generation loop: repeats {loop!r} {CODE_LINE_TIMES}+ times")
    if problems:
        return Layer("output", False, "; ".join(problems))
    return Layer("output", True, "prints, reads only bound names, uses every tool result")


def _format(diagnosis: Diagnosis) -> Layer:
    seen = [label for label in (diagnosis.label, *diagnosis.also) if label in FORMAT_LABELS]
    if seen:
        return Layer("format", False, f"{', '.join(dict.fromkeys(seen))}: {diagnosis.detail}")
    return Layer("format", True, "no preamble, trailing text or extra call; ended with EOS")


def _tool_turn(
    turn: int, response: Response, parsed: ParsedResponse, expect: _Expect, registry: ToolRegistry
) -> TurnScore:
    diagnosis = diagnose(parsed, expect_tool=True, finish_reason=response.finish_reason)
    codes = tuple(c.code for c in parsed.calls if c.code is not None)
    layers = [_gate_tool(parsed, diagnosis.label, diagnosis.detail)]
    order = ("extract", "format", "syntax", expect.identity_layer, "arguments", "fields", "completeness", "output")
    if not codes:
        reached = {"extract": _extract(parsed), "format": _format(diagnosis)} if parsed.calls else {}
        layers += [reached.get(name) or Layer(name, False, NOT_REACHED) for name in order]
        return TurnScore(turn, response, diagnosis, tuple(layers), prose=parsed.prose)
    infos = [(code, analyze_code(code, registry)) for code in codes]
    errors = [f"call {i}: {info.syntax_error}" for i, (_, info) in enumerate(infos, 1) if info.syntax_error]
    sites = [s for _, info in infos for s in info.calls]
    computed = {
        "extract": _extract(parsed),
        "format": _format(diagnosis),
        "syntax": Layer("syntax", not errors, "; ".join(errors) or f"{len(codes)} code block(s) parse"),
        expect.identity_layer: _identity(expect.identity_layer, sites, expect, registry),
        "arguments": _arguments(sites, expect, registry),
        "fields": _fields(infos, expect, registry),
        "completeness": _completeness(sites, expect),
        "output": Layer("output", False, "not judged: the code does not parse") if errors else _output(infos),
    }
    layers += [computed[name] for name in order]
    reads = tuple(r for _, info in infos for r in info.field_reads)
    return TurnScore(turn, response, diagnosis, tuple(layers), tuple(sites), reads, codes, prose=parsed.prose)


def _prose_turn(turn: int, response: Response, parsed: ParsedResponse, name: str, keywords: Sequence[str]) -> TurnScore:
    diagnosis = diagnose(parsed, expect_tool=False, finish_reason=response.finish_reason)
    if parsed.calls:
        gate = Layer("gate", False, f"expected prose, got {len(parsed.calls)} tool call(s)")
    elif not parsed.prose:
        gate = Layer("gate", False, "expected prose, got an empty response")
    else:
        gate = Layer("gate", True, f"prose, no tool call ({len(parsed.prose)} chars)")
    loop = repeated_chunk(parsed.prose)
    tag = stray_markup(parsed.prose)
    if not gate.passed:
        body = Layer(name, False, gate.reason)
    elif loop:
        body = Layer(name, False, f"degenerate: repeats {loop!r}")
    elif tag:
        body = Layer(name, False, f"tool-call markup in the answer: {tag!r}")
    elif announces_only(parsed.prose):
        body = Layer(name, False, f"announces what it will do instead of answering: {parsed.prose[:80]!r}")
    else:
        body = _keywords_layer(name, keywords, parsed.prose) or Layer(name, True, "non-empty prose, not degenerate")
    return TurnScore(turn, response, diagnosis, (gate, _format(diagnosis), body), prose=parsed.prose)


# ---- public ------------------------------------------------------------------------------------
def _expect(query: Query, tools: tuple[str, ...], layer: str) -> _Expect:
    return _Expect(
        tools=tools,
        args={t: v for t, v in query.args.items() if t in tools},
        fields={t: v for t, v in query.fields.items() if t in tools},
        forbidden={t: v for t, v in query.forbidden_fields.items() if t in tools},
        identity_layer=layer,
    )


def score_turn(
    query: Query, response: Response, registry: ToolRegistry, *, turn: int = 1, think: ThinkPolicy = "fail"
) -> TurnScore:
    """Score one turn of ``query``: turn 1 per ``query.expect``, turn 2 per ``query.turn2.expect``.

    ``think="strip"`` scores the text after one leading complete ``<think>`` block (the raw
    text stays the turn's response); ``"fail"`` scores the raw text, where a think block is a
    format failure (``think_leak``).
    """
    parsed = parse_response(strip_leading_think(response.text) if think == "strip" else response.text)
    if turn == 2:
        if query.turn2 is None:
            raise ValueError(f"query {query.id!r} has no second turn")
        if query.turn2.expect == "summary":
            return _prose_turn(2, response, parsed, "summary", query.turn2.keywords)
        return _tool_turn(2, response, parsed, _expect(query, query.turn2.tools, "chain"), registry)
    if query.expect == "prose":
        return _prose_turn(1, response, parsed, "prose", query.keywords)
    return _tool_turn(1, response, parsed, _expect(query, query.tools, "identity"), registry)


def needs_turn2(query: Query, turn1: Response) -> str | None:
    """None when turn 2 should be generated, else why it cannot be."""
    if query.turn2 is None:
        return "the query has one turn"
    parsed = parse_response(turn1.text)
    if not parsed.calls:
        diagnosis = diagnose(parsed, expect_tool=True, finish_reason=turn1.finish_reason)
        return f"turn 1 made no tool call ({diagnosis.label}: {diagnosis.detail})"
    return None


def score_query(
    query: Query, responses: Sequence[Response], registry: ToolRegistry, *, think: ThinkPolicy = "fail"
) -> QueryScore:
    """All turns of one query; a multi-turn query given one response records why turn 2 is missing."""
    if not responses or len(responses) > (2 if query.turn2 else 1):
        raise ValueError(f"query {query.id!r} takes {'1 or 2' if query.turn2 else '1'} responses, got {len(responses)}")
    turns = [score_turn(query, responses[0], registry, turn=1, think=think)]
    skipped = None
    if query.turn2 is not None:
        if len(responses) == 2:
            turns.append(score_turn(query, responses[1], registry, turn=2, think=think))
        else:
            skipped = needs_turn2(query, responses[0]) or "no turn-2 response was given"
    return QueryScore(query.id, query.category, tuple(turns), skipped_turn2=skipped)


__all__ = ["SCORER_VERSION", "THINK_POLICIES", "ThinkPolicy", "needs_turn2", "score_query", "score_turn"]
