"""Audit chat JSONL training data: what the seed's table measured, and every data contract.

The per-tool table counts tool-call messages with and without a preamble, attributing a
message once to EACH distinct known tool its code calls (a message calling ruff_check and
typecheck counts for both). That is the rule under which the seed's figures hold
(goto_definition 93/134 with a preamble, typecheck 0/80, ...). Leakage uses ``leakage.py``
(exact, and near-duplicate at rapidfuzz ratio/token-set >= 90 on normalised text; its
docstring justifies the thresholds). The exit status comes from ``contracts.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie_eval.errors import DataError
from punie_eval.jsonl import Record, read_chat
from punie_eval.registry import ToolRegistry
from punie_eval.training import chatfacts
from punie_eval.training.contracts import CONTRACTS, Violation, check_records
from punie_eval.training.leakage import LeakIndex

NO_SYSTEM = "(none)"


@dataclass
class ToolRow:
    calls: int = 0
    preamble: int = 0
    announced: int = 0
    system_prompts: Counter[str] = field(default_factory=Counter)


@dataclass
class Audit:
    files: dict[str, int] = field(default_factory=dict)  # path -> valid examples
    tools: dict[str, ToolRow] = field(default_factory=lambda: defaultdict(ToolRow))
    examples_with_preamble: int = 0
    roles: Counter[str] = field(default_factory=Counter)
    system_prompts: Counter[str] = field(default_factory=Counter)
    double_wrapped: int = 0
    violations: list[Violation] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(v.contract for v in self.violations)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "tools": {
                t: {
                    "calls": r.calls,
                    "with_preamble": r.preamble,
                    "without_preamble": r.calls - r.preamble,
                    "announce_then_stop": r.announced,
                    "system_prompts": len(r.system_prompts),
                }
                for t, r in sorted(self.tools.items())
            },
            "examples_with_preamble": self.examples_with_preamble,
            "roles": dict(sorted(self.roles.items())),
            "system_prompts": len(self.system_prompts),
            "double_wrapped_tool_messages": self.double_wrapped,
            "contracts": {c: self.counts.get(c, 0) for c in CONTRACTS},
            "violations": [{"contract": v.contract, "where": v.where, "detail": v.detail} for v in self.violations],
            "ok": self.ok,
        }


def _tally(audit: Audit, record: Record, registry: ToolRegistry) -> None:
    messages = record.messages
    first = messages[0]
    system = first.get("content", "") if first.get("role") == "system" else NO_SYSTEM
    audit.system_prompts[system] += 1
    announced = {i + 2 for i in chatfacts.announce_turns(messages)}
    has_preamble = False
    for i, message in enumerate(messages):
        audit.roles[str(message.get("role"))] += 1
        if message.get("role") == "tool" and chatfacts.is_tool_result(message):
            audit.double_wrapped += 1
        if not chatfacts.is_call(message):
            continue
        preamble = bool(chatfacts.preamble(message))
        has_preamble |= preamble
        for tool in chatfacts.tools_called(message, registry):
            row = audit.tools[tool]
            row.calls += 1
            row.preamble += preamble
            row.announced += i in announced
            row.system_prompts[system] += 1
    audit.examples_with_preamble += has_preamble


def audit_files(
    paths: Iterable[Path],
    registry: ToolRegistry,
    *,
    system_prompt: str | None = None,
    leak_index: LeakIndex | None = None,
) -> Audit:
    """Audit every file (train first, so valid/test overlaps with train are found)."""
    audit = Audit()
    train_keys: set[str] = set()
    for path in sorted(paths, key=lambda p: (p.stem != "train", str(p))):
        records, errors = read_chat(path)
        audit.files[str(path)] = len(records)
        audit.violations += [Violation("schema", e.where, e.what) for e in errors]
        for record in records:
            _tally(audit, record, registry)
        audit.violations += check_records(
            records, registry, system_prompt=system_prompt, leak_index=leak_index, train_keys=train_keys
        )
    return audit


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders as their ``*.jsonl`` files."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise DataError(str(path), "folder must contain .jsonl files, found none")
            out += found
        elif path.exists():
            out.append(path)
        else:
            raise DataError(str(path), "path does not exist")
    return out


def render(audit: Audit, max_violations: int = 20) -> str:
    lines = [f"{path}: {n} examples" for path, n in audit.files.items()]
    header = f"{'tool':<18} {'calls':>6} {'preamble':>9} {'without':>8} {'%':>6} {'announce':>9} {'sys':>4}"
    lines += ["", header, "-" * len(header)]
    for tool, row in sorted(audit.tools.items(), key=lambda kv: (-kv[1].calls, kv[0])):
        share = f"{100 * row.preamble / row.calls:.0f}%" if row.calls else "-"
        lines.append(
            f"{tool:<18} {row.calls:>6} {row.preamble:>9} {row.calls - row.preamble:>8} {share:>6} "
            f"{row.announced:>9} {len(row.system_prompts):>4}"
        )
    total = sum(audit.files.values())
    lines += [
        "",
        f"examples with a preamble: {audit.examples_with_preamble}/{total}",
        f"roles: {', '.join(f'{r} {n}' for r, n in sorted(audit.roles.items()))}",
        f"distinct system prompts: {len(audit.system_prompts)}"
        + (f" ({audit.system_prompts[NO_SYSTEM]} examples without one)" if NO_SYSTEM in audit.system_prompts else ""),
        f"tool-role results already wrapped in <tool_response> (double wrapping): {audit.double_wrapped}",
        "",
        "contracts:",
    ]
    counts = audit.counts
    lines += [f"  {c:<14} {'ok' if not counts[c] else f'{counts[c]} violations'}" for c in CONTRACTS]
    for v in audit.violations[:max_violations]:
        lines.append(f"  {v}")
    if len(audit.violations) > max_violations:
        lines.append(f"  ... {len(audit.violations) - max_violations} more (use --json for all)")
    return "\n".join(lines)
