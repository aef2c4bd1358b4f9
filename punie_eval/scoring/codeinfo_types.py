"""Type tracking for ``codeinfo``: which values in the code come from a tool result.

A ``Typed`` value is a tool result (``kind="obj"``), a list field of one (``kind="list"``,
e.g. ``r.errors``: items are ``type_name``) or an ``enumerate`` over such a list
(``kind="enum"``). ``path`` is dotted from the result: the items of ``r.files`` have
path ``"files"``, so reading ``.staged`` on one is the read ``"files.staged"``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from punie_eval.registry import ToolRegistry

# Calls whose result keeps the items of the list passed first (sorted(r.files) is still files).
SAME_LIST = frozenset({"sorted", "reversed", "list", "tuple", "filter", "set", "frozenset"})
# Calls whose result is one item of the list passed first.
ONE_ITEM = frozenset({"max", "min", "next"})
# Methods of a list that are not field reads.
LIST_METHODS = frozenset({"count", "index", "copy"})


@dataclass(frozen=True)
class Typed:
    tool: str
    type_name: str
    path: str
    kind: Literal["obj", "list", "enum"] = "obj"

    def item(self) -> Typed:
        """One element: of a list, its item; of an enumerate, the (index, item) pair stays 'enum'."""
        return replace(self, kind="obj") if self.kind == "list" else self

    def as_list(self) -> Typed:
        return replace(self, kind="list")

    def child(self, field: str) -> str:
        return f"{self.path}.{field}" if self.path else field


def result_of(registry: ToolRegistry, tool: str) -> Typed | None:
    """The value a call of ``tool`` returns, or None for tools returning plain str."""
    returns = registry.tool(tool).returns
    return Typed(tool, returns, "") if returns else None


def field_value(registry: ToolRegistry, value: Typed, field: str) -> Typed | None:
    """The value of ``value.field`` when it is itself typed: a list of result objects, or one."""
    item_type = registry.item_type(value.type_name, field)
    if item_type:
        return Typed(value.tool, item_type, value.child(field), "list")
    object_type = registry.object_type(value.type_name, field)
    return Typed(value.tool, object_type, value.child(field)) if object_type else None


__all__ = ["LIST_METHODS", "ONE_ITEM", "SAME_LIST", "Typed", "field_value", "result_of"]
