"""The chat messages a query is asked with, for turn 1 and (multi-turn) turn 2.

Training data and evaluation must render conversations the same way: the tool result of
turn 1 comes back as a *user* message holding ``<tool_response>`` around the result's repr.
"""

from __future__ import annotations

from punie_eval.queries import Query, QuerySuite
from punie_eval.registry import ToolRegistry

Message = dict[str, str]


def tool_response(result_repr: str) -> str:
    """The user-turn content that carries a tool result back to the model."""
    return f"<tool_response>\n{result_repr}\n</tool_response>"


def turn1_messages(suite: QuerySuite, query: Query) -> list[Message]:
    return [
        {"role": "system", "content": suite.system_prompt},
        {"role": "user", "content": query.prompt},
    ]


def turn2_messages(suite: QuerySuite, query: Query, turn1_text: str, registry: ToolRegistry) -> list[Message]:
    """Turn 1 as the model answered it, then the query's fixed tool result."""
    if query.turn2 is None:
        raise ValueError(f"query {query.id!r} has no second turn")
    result_type = registry.tools[query.turn2.tool].returns
    result = registry.render_repr(result_type, query.turn2.tool_result) if result_type else str(query.turn2.tool_result)
    return [
        *turn1_messages(suite, query),
        {"role": "assistant", "content": turn1_text},
        {"role": "user", "content": tool_response(result)},
    ]
