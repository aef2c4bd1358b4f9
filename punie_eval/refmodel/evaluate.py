"""Quick quality and speed checks of a built model on held-out chat records.

This is the build's own yardstick (exact match of the first assistant turn on the valid
split), independent of the 57-query suite, so a build never tunes on the eval queries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Record = Mapping[str, Any]
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_CODE = re.compile(r"<parameter=code>\n?(.*?)\n?</parameter>", re.DOTALL)


@dataclass(frozen=True)
class HeldOut:
    n: int
    exact: int  # first assistant turn reproduced exactly (stripped)
    same_kind: int  # tool call iff the target has one
    same_tools: int  # same set of called names in the code (or prose for prose)
    same_code: int  # same code parameter (either wire layout), or both prose

    def as_dict(self) -> dict[str, Any]:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "exact": round(self.exact / n, 4),
            "same_kind": round(self.same_kind / n, 4),
            "same_tools": round(self.same_tools / n, 4),
            "same_code": round(self.same_code / n, 4),
        }


def first_turns(records: Sequence[Record]) -> list[tuple[list[dict[str, Any]], str]]:
    """(messages before the first assistant turn, that turn's content) of each record."""
    pairs = []
    for record in records:
        messages = list(record["messages"])
        for i, message in enumerate(messages):
            if message.get("role") == "assistant":
                pairs.append((messages[:i], str(message.get("content") or "")))
                break
    return pairs


def _called(text: str) -> frozenset[str]:
    if "<tool_call>" not in text:
        return frozenset({"<prose>"})
    return frozenset(_CALLED.findall(text.split("<tool_call>", 1)[1]))


def _code(text: str) -> str | None:
    match = _CODE.search(text)
    return match.group(1).strip() if match else None


def generate_all(
    model: Any, tokenizer: Any, prompts: Sequence[Sequence[Mapping[str, Any]]], max_tokens: int
) -> list[str]:
    """Greedy completions of chat ``prompts`` with one ``batch_generate`` pass."""
    from mlx_lm import batch_generate

    from punie_eval.refmodel.tokenizer import render

    ids = [render(tokenizer, p, add_generation_prompt=True) for p in prompts]
    return list(batch_generate(model, tokenizer, ids, max_tokens=max_tokens, verbose=False).texts)


def held_out(model_dir: Path, records: Sequence[Record], max_tokens: int = 256) -> HeldOut:
    from punie_eval.refmodel.architecture import load_model

    model, tokenizer = load_model(model_dir)
    pairs = first_turns(records)
    texts = generate_all(model, tokenizer, [p for p, _ in pairs], max_tokens)
    exact = kind = tools = code = 0
    for (_, target), text in zip(pairs, texts, strict=True):
        exact += text.strip() == target.strip()
        kind += ("<tool_call>" in text) == ("<tool_call>" in target)
        tools += _called(text) == _called(target)
        code += _code(text) == _code(target)
    return HeldOut(len(pairs), exact, kind, tools, code)
