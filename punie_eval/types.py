"""The values that flow from a model response to a verdict: all frozen dataclasses.

    Response ──parse──▶ ParsedResponse ──diagnose──▶ Diagnosis
                              │ each ToolCall's code ──analyze──▶ CodeInfo (CallSite, FieldRead)
                              ▼
                      TurnScore (Layers, soft/strict) ──▶ QueryScore

Nothing here raises on a malformed model output: a bad output is a value with a diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

FinishReason = Literal["stop", "length", "tool_calls"]
FINISH_REASONS: tuple[FinishReason, ...] = get_args(FinishReason)  # a Response may also have None: unknown

# One label per response. Format failures are about the wire format (what the seed's
# preamble fix addresses); everything else a model gets wrong is a capability failure.
Label = Literal[
    "ok",
    "empty",
    "preamble",
    "preamble_then_stop",
    "trailing_text",
    "missing_wrapper",
    "wrong_function",
    "unclosed_tag",
    "stray_markup",
    "json_call",
    "multiple_calls",
    "max_tokens",
    "degenerate_repetition",
    "think_leak",
    "syntax_error",
]
LABELS: tuple[Label, ...] = get_args(Label)


@dataclass(frozen=True)
class Response:
    """What a backend produced for one prompt."""

    text: str
    finish_reason: FinishReason | None = None  # "length" = max tokens hit (no EOS)
    tokens: int | None = None  # generated tokens, when the backend reports them
    reconstructed: bool = False  # wire text rebuilt from a server's parsed tool_calls
    seconds: float | None = field(default=None, compare=False)  # from its batch's (request's) start to its end


@dataclass(frozen=True)
class ToolCall:
    """One tool call found in a response (well-formed or a near miss)."""

    function: str | None  # name in <function=NAME>, or the JSON "name"
    code: str | None  # the `code` parameter, if any
    params: Mapping[str, str]  # every parameter, as text
    raw: str  # the exact text of the call
    start: int  # offsets into Response.text
    end: int
    wrapped: bool  # inside <tool_call>...</tool_call>
    closed: bool  # every tag it opened is closed
    style: Literal["xml", "json"] = "xml"


@dataclass(frozen=True)
class ParsedResponse:
    text: str
    calls: tuple[ToolCall, ...]
    think: tuple[str, ...]  # contents of <think> blocks
    before: str  # stripped text before the first call (think blocks removed)
    after: str  # stripped text after the last call
    prose: str  # stripped text with calls and think blocks removed


@dataclass(frozen=True)
class Diagnosis:
    label: Label
    detail: str
    format_failure: bool  # True for wire-format problems, False for "ok" and capability problems
    also: tuple[Label, ...] = ()  # further labels observed, most severe first


@dataclass(frozen=True)
class CallSite:
    """A call of a known tool (or of an unknown name used like one) in the code."""

    tool: str
    known: bool
    positional: int
    keywords: tuple[str, ...]
    args: Mapping[str, Any]  # literal argument values bound to parameter names
    line: int
    unpacked: bool = False  # *args / **kwargs that are not literals: binding is only partly known


@dataclass(frozen=True)
class FieldRead:
    """An attribute read on a tool result (or on an item of one of its list fields)."""

    tool: str  # the tool whose result this value came from
    type_name: str  # the type the attribute was read on
    path: str  # dotted from the result: "files.staged"
    field: str
    valid: bool
    line: int


@dataclass(frozen=True)
class NameUse:
    """A name at a line: an undefined name read, or a tool whose result is never used."""

    name: str
    line: int


@dataclass(frozen=True)
class CodeInfo:
    syntax_error: str | None
    calls: tuple[CallSite, ...] = ()
    field_reads: tuple[FieldRead, ...] = ()
    called_fields: tuple[FieldRead, ...] = ()  # reads that are then called: ``v.fixable()``
    undefined: tuple[NameUse, ...] = ()  # names read but bound nowhere (not a tool or builtin)
    unused_results: tuple[NameUse, ...] = ()  # tool calls whose result is dropped
    prints: bool = False  # some reachable statement prints: the sandbox returns only printed text


@dataclass(frozen=True)
class Layer:
    name: str  # gate, extract, format, syntax, identity, arguments, fields, completeness, output, prose, summary, chain
    passed: bool
    reason: str


@dataclass(frozen=True)
class TurnScore:
    turn: int  # 1 or 2
    response: Response
    diagnosis: Diagnosis
    layers: tuple[Layer, ...]
    calls: tuple[CallSite, ...] = ()
    field_reads: tuple[FieldRead, ...] = ()
    codes: tuple[str, ...] = ()  # the code of each tool call, as emitted
    prose: str = ""  # the text outside the calls and think blocks, stripped (ParsedResponse.prose)

    @property
    def soft(self) -> bool:
        return bool(self.layers) and self.layers[0].passed

    @property
    def strict(self) -> bool:
        return all(layer.passed for layer in self.layers)

    @property
    def failure(self) -> Layer | None:
        return next((layer for layer in self.layers if not layer.passed), None)


@dataclass(frozen=True)
class QueryScore:
    query_id: str
    category: str
    turns: tuple[TurnScore, ...]
    skipped_turn2: str | None = None  # why turn 2 was not run (no call in turn 1)
    repeats: tuple[QueryScore, ...] = ()  # a sampled run's K scores (K > 1); turns are then the shown one's

    @classmethod
    def of_repeats(cls, scores: tuple[QueryScore, ...]) -> QueryScore:
        """K scores of one query as one: strict when every repeat is; shows the first failing repeat."""
        shown = next((s for s in scores if not s.strict), scores[0])
        return cls(shown.query_id, shown.category, shown.turns, shown.skipped_turn2, repeats=scores)

    @property
    def outcomes(self) -> tuple[QueryScore, ...]:
        """One score per repeat (a single run: itself)."""
        return self.repeats or (self,)

    @property
    def soft(self) -> bool:
        if self.repeats:
            return all(r.soft for r in self.repeats)
        return bool(self.turns) and self.turns[0].soft

    @property
    def strict(self) -> bool:
        if self.repeats:
            return all(r.strict for r in self.repeats)
        return bool(self.turns) and all(t.strict for t in self.turns) and self.skipped_turn2 is None

    @property
    def failure(self) -> str | None:
        """One line: the first failing layer and its reason, or None on a strict pass."""
        if self.repeats:
            failed = [(i, r) for i, r in enumerate(self.repeats) if not r.strict]
            if not failed:
                return None
            passes = len(self.repeats) - len(failed)
            return f"strict in {passes}/{len(self.repeats)} repeats; repeat {failed[0][0]} {failed[0][1].failure}"
        for turn in self.turns:
            if (layer := turn.failure) is not None:
                return f"turn {turn.turn} {layer.name}: {layer.reason}"
        return f"turn 2 not run: {self.skipped_turn2}" if self.skipped_turn2 else None


def to_jsonable(value: Any) -> Any:
    """Dataclasses → plain JSON-ready dicts (tuples become lists)."""
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


__all__ = [
    "FINISH_REASONS",
    "LABELS",
    "CallSite",
    "CodeInfo",
    "Diagnosis",
    "FieldRead",
    "FinishReason",
    "Label",
    "Layer",
    "NameUse",
    "ParsedResponse",
    "QueryScore",
    "Response",
    "ToolCall",
    "TurnScore",
    "to_jsonable",
]
