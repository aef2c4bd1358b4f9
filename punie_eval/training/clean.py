"""Clean chat JSONL training data: the seed's preamble fix, and the rest of what made the data
inconsistent. Kinds of change (``--only`` picks some; default all):

- ``preambles``: remove all text before the first tool call of an assistant message, only
  when that call is a well-formed Code Mode call (the call and everything after it are kept
  byte for byte; a prose answer, or a message whose first call is malformed, is left alone);
- ``announcements``: remove announce-then-stop turns (the announcement and the user nudge),
  so the well-formed call directly follows the request;
- ``tool_roles``: ``tool``-role results become user turns wrapped ONCE in <tool_response>;
- ``duplicates``: drop exact duplicates within a split, and valid/test examples also in train.

Never writes over its input, refuses an existing output unless forced, writes atomically, and
is idempotent: cleaning cleaned data changes nothing.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie_eval.atomic import make_staging_dir, replace_dir, target_of
from punie_eval.errors import UsageError
from punie_eval.generation.prompts import tool_response
from punie_eval.jsonl import load_chat, write_jsonl
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.training import chatfacts

KINDS = ("preambles", "announcements", "tool_roles", "duplicates")
SPLIT_ORDER = ("train", "valid", "test")  # train first: valid/test lose what train already has

Message = dict[str, str]


@dataclass
class Report:
    """What changed: per kind, and per (kind, tool)."""

    kinds: Counter[str] = field(default_factory=Counter)
    tools: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: Counter[str] = field(default_factory=Counter)  # file name -> examples written

    def lines(self) -> list[str]:
        out = [f"{kind:<14} {self.kinds[kind]:>5}" for kind in KINDS]
        for (kind, tool), n in sorted(self.tools.items()):
            out.append(f"  {kind:<12} {tool:<18} {n:>5}")
        out += [f"wrote {name}: {n} examples" for name, n in sorted(self.examples.items())]
        return out


def strip_preamble(message: Message) -> Message:
    if not (chatfacts.preamble(message) and chatfacts.starts_real_call(message)):
        return message
    start = chatfacts.parsed(message["content"]).calls[0].start
    return {**message, "content": message["content"][start:]}


def clean_messages(
    messages: Sequence[Mapping[str, str]], kinds: frozenset[str], registry: ToolRegistry, report: Report
) -> list[Message]:
    out = [dict(m) for m in messages]
    # Stacked announcements ("I'll run it." / "go" / "I'll run it." / "go" / call) come off one pair at a
    # time, each removal exposing the one before it: repeat until none is left, so clean is idempotent.
    while "announcements" in kinds and (
        found := [i for i in chatfacts.announce_turns(out) if chatfacts.starts_real_call(out[i + 2])]
    ):
        for i in reversed(found):
            report.kinds["announcements"] += 1
            for tool in chatfacts.tools_called(out[i + 2], registry) or ("(unknown)",):
                report.tools["announcements", tool] += 1
            del out[i : i + 2]
    for i, message in enumerate(out):
        if "preambles" in kinds and chatfacts.preamble(message) and chatfacts.starts_real_call(message):
            report.kinds["preambles"] += 1
            for tool in chatfacts.tools_called(message, registry) or ("(unknown)",):
                report.tools["preambles", tool] += 1
            out[i] = strip_preamble(message)
        if "tool_roles" in kinds and message.get("role") == "tool":
            report.kinds["tool_roles"] += 1
            content = message.get("content", "")
            wrapped = content.lstrip().startswith(chatfacts.TOOL_RESPONSE_OPEN)
            out[i] = {**out[i], "role": "user", "content": content if wrapped else tool_response(content)}
    return out


def _key(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def split_of(path: Path) -> int:
    stem = path.stem
    return SPLIT_ORDER.index(stem) if stem in SPLIT_ORDER else len(SPLIT_ORDER)


def clean_files(
    files: Iterable[Path], kinds: frozenset[str], registry: ToolRegistry, report: Report
) -> dict[str, list[dict[str, Any]]]:
    """Cleaned records per file name; train is processed first so valid/test overlaps can be dropped."""
    seen_train: set[str] = set()
    cleaned: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(files, key=lambda p: (split_of(p), p.name)):
        seen_here: set[str] = set()
        out = []
        for record in load_chat(path):
            value = {**record.value, "messages": clean_messages(record.messages, kinds, registry, report)}
            key = _key(value)
            overlap = path.stem != "train" and key in seen_train
            if "duplicates" in kinds and (key in seen_here or overlap):
                report.kinds["duplicates"] += 1
                report.tools["duplicates", "train/valid overlap" if overlap else f"within {path.stem}"] += 1
                continue
            seen_here.add(key)
            out.append(value)
        if path.stem == "train":
            seen_train |= seen_here
        cleaned[path.name] = out
    return cleaned


def _check_paths(in_dir: Path, out_dir: Path, names: Iterable[str], force: bool) -> None:
    if not in_dir.is_dir():
        raise UsageError(f"{in_dir}: input must be a folder of .jsonl files")
    if out_dir.resolve() == in_dir.resolve():
        raise UsageError(f"{out_dir}: output must differ from the input folder (clean never writes over its input)")
    existing = [out_dir / n for n in names if (out_dir / n).exists()]
    if existing and not force:
        raise UsageError(f"{existing[0]}: output exists; pass --force to replace it")


def clean_dir(
    in_dir: Path,
    out_dir: Path,
    *,
    force: bool = False,
    only: Iterable[str] = KINDS,
    registry: ToolRegistry | None = None,
) -> Report:
    """Clean every ``*.jsonl`` of ``in_dir`` into ``out_dir`` (same file names)."""
    kinds = frozenset(only)
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise UsageError(f"--only must be among {', '.join(KINDS)}, got {unknown[0]!r}")
    files = sorted(in_dir.glob("*.jsonl"))
    if in_dir.is_dir() and not files:
        raise UsageError(f"{in_dir}: input folder must contain .jsonl files, found none")
    _check_paths(in_dir, out_dir, (p.name for p in files), force)
    report = Report()
    cleaned = clean_files(files, kinds, registry or load_registry(), report)
    write_output(out_dir, cleaned)
    report.examples.update({name: len(records) for name, records in cleaned.items()})
    return report


def write_output(out_dir: Path, cleaned: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write the output folder as a whole: every file into a sibling staging folder, then one rename.

    Readers (and a crash, a full disk, Ctrl-C) see the old folder or the complete new one, never
    train.jsonl without valid.jsonl. An existing folder is swapped out and deleted, so it may hold
    only files this run writes; a symlinked OUT_DIR is written through (the link is kept).
    """
    target = target_of(out_dir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{out_dir}: output must be a folder, got a file")
    others = sorted(p.name for p in target.iterdir() if p.name not in cleaned) if target.is_dir() else []
    if others:
        raise UsageError(
            f"{out_dir}: output folder must be new or hold only the files clean writes "
            f"(it is replaced whole), got {others[:5]!r}"
        )
    try:
        staged = make_staging_dir(target)
    except OSError as err:
        raise UsageError(f"{out_dir}: output folder must be writable, got {err.strerror or err}") from None
    try:
        for name, records in cleaned.items():
            write_jsonl(staged / name, records)
        replace_dir(staged, target)
    except OSError as err:
        raise UsageError(
            f"{out_dir}: output could not be written ({err.strerror or err}); nothing was written"
        ) from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # gone after the rename; what is left of a failed write
