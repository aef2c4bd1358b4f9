"""Why a query failed, as readable text: layers, diagnosis, expected vs actual, raw response.

query st_git_status (single_tool) failed strict: turn 1 gate: expected a tool call, got prose
  prompt:   Show the current git status
  expected: git_status
  turn 1  diagnosis preamble_then_stop: prose announcing a call, then EOS
    ✓ gate       ...
    ✗ extract    ...
    calls:       git_status(path='.')
    field reads: result.clean ✓, result.branch ✗
    response (finish: stop, 24 chars):
      | I'll get the git status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from punie_eval.queries import Query
from punie_eval.types import QueryScore

MAX_RESPONSE_CHARS = 3000


class QueryFailure(AssertionError):
    """A query failed strict scoring; ``str()`` is the whole explanation."""

    def __init__(self, record: Mapping[str, Any], explanation: str) -> None:
        super().__init__(explanation)
        self.record = record
        self.reason = str(record.get("failure") or "failed")


def _expected(query: Query) -> list[str]:
    if query.expect == "prose":
        keywords = f" with keywords {', '.join(query.keywords)}" if query.keywords else ""
        return [f"prose, no tool call{keywords}"]
    lines = []
    for tool in query.tools:
        args = query.args.get(tool)
        text = f"{tool}({', '.join(f'{k}={v!r}' for k, v in args.items())})" if args else tool
        if query.fields.get(tool):
            text += f" reading {', '.join(query.fields[tool])}"
        if query.forbidden_fields.get(tool):
            text += f", not {', '.join(query.forbidden_fields[tool])}"
        lines.append(text)
    if query.turn2 is not None:
        if query.turn2.expect == "summary":
            lines.append(f"turn 2: a summary with keywords {', '.join(query.turn2.keywords)}")
        else:
            lines.append(f"turn 2: a call of {', '.join(query.turn2.tools)}")
    return lines


def _call(call: Mapping[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in call.get("args", {}).items())
    unknown = "" if call.get("known", True) else " (unknown tool)"
    return f"{call['tool']}({args}){unknown}"


def _turn(turn: Mapping[str, Any]) -> list[str]:
    diagnosis = turn["diagnosis"]
    kind = "format" if diagnosis["format_failure"] else "ok" if diagnosis["label"] == "ok" else "capability"
    lines = [f"  turn {turn['turn']}  diagnosis {diagnosis['label']} ({kind}): {diagnosis['detail']}"]
    width = max((len(layer["name"]) for layer in turn["layers"]), default=0)
    for layer in turn["layers"]:
        lines.append(f"    {'✓' if layer['passed'] else '✗'} {layer['name']:<{width}}  {layer['reason']}")
    if turn["calls"]:
        lines.append("    calls:       " + "; ".join(_call(c) for c in turn["calls"]))
    if turn["field_reads"]:
        reads = ", ".join(f"{r['tool']}.{r['path']} {'✓' if r['valid'] else '✗'}" for r in turn["field_reads"])
        lines.append("    field reads: " + reads)
    text = str(turn["response"])
    shown = text if len(text) <= MAX_RESPONSE_CHARS else text[:MAX_RESPONSE_CHARS] + "…"
    lines.append(f"    response (finish: {turn['finish_reason']}, {len(text)} chars):")
    lines.extend(f"      | {line}" for line in (shown.splitlines() or [""]))
    return lines


def explain(query: Query, record: Mapping[str, Any]) -> str:
    """The full explanation of one query's score (also useful for passing queries)."""
    verdict = "passed strict" if record["strict"] else f"failed strict: {record['failure']}"
    lines = [f"query {query.id} ({query.category}) {verdict}", f"  prompt:   {query.prompt}"]
    expected = _expected(query)
    lines.append(f"  expected: {expected[0]}")
    lines.extend(f"            {line}" for line in expected[1:])
    for turn in record["turns"]:
        lines.extend(_turn(turn))
    return "\n".join(lines)


def failure(query: Query, record: Mapping[str, Any]) -> QueryFailure:
    return QueryFailure(record, explain(query, record))


def assert_strict(query: Query, score: QueryScore) -> None:
    """Raise :class:`QueryFailure` with the full explanation unless ``score`` is a strict pass."""
    __tracebackhide__ = True
    if not score.strict:
        from punie_eval.evaluation.result import QueryRecord

        raise failure(query, QueryRecord.from_score(query, score).to_json())
