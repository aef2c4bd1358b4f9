"""The seed's inconsistencies, reproduced on purpose in the MIXED variant.

- preambles on ~69% of goto_definition / find_references / read_file / run_command calls,
  ~35% on the other LSP tools and write_file, and NEVER when the code calls a quality or git tool;
- announce-then-stop turns: "I'll run the type checker." with no call, a user nudge, then the call;
- ``tool``-role results whose content is already wrapped in <tool_response> (double wrapping);
- a few exact duplicates in train and train examples copied into valid.
"""

from __future__ import annotations

import copy
import random

from punie_eval.training.corpus.builders import Example

PREAMBLE_RATE = {
    "goto_definition": 0.69,
    "find_references": 0.69,
    "read_file": 0.69,
    "run_command": 0.69,
    "hover": 0.35,
    "document_symbols": 0.35,
    "workspace_symbols": 0.35,
    "write_file": 0.35,
}
NEVER_PREAMBLE = frozenset({"typecheck", "ruff_check", "pytest_run", "git_status", "git_diff", "git_log"})
PREAMBLES = (
    "Let me investigate.",
    "I'll look that up.",
    "Let me check that for you.",
    "I'll find that.",
    "Let me search the code.",
    "Sure, let me look.",
    "I'll take a look.",
    "Let me find out.",
)
ANNOUNCEMENTS = {
    "typecheck": ("I'll run the type checker.", "I'll check the types."),
    "ruff_check": ("I'll run the linter.", "I'll check the lint results."),
    "pytest_run": ("I'll run the tests.", "I'll run the test suite."),
    "git_status": ("I'll get the git status.", "I'll check the working tree."),
    "git_diff": ("I'll get the diff.",),
    "git_log": ("I'll look at the recent commits.",),
    "document_symbols": ("I'll analyze the symbol kinds.", "I'll list the symbols."),
    "workspace_symbols": ("I'll search the workspace.",),
}
NUDGES = ("Show me the results.", "Go ahead.", "OK, do it.", "Please continue.", "Yes, run it.", "And?")
ANNOUNCE_RATE = 0.09
TOOL_ROLE_RATE = 0.25


def add_preambles(rng: random.Random, example: Example) -> None:
    for index, tools in example.calls.items():
        if NEVER_PREAMBLE.intersection(tools):
            continue
        rate = max(PREAMBLE_RATE.get(tool, 0.0) for tool in tools)
        if rng.random() < rate:
            message = example.messages[index]
            message["content"] = f"{rng.choice(PREAMBLES)}\n\n{message['content']}"


def add_announcement(rng: random.Random, example: Example) -> None:
    """Insert "I'll …" (no call) + a user nudge before a single-turn call of an announceable tool."""
    if example.kind not in {"single"} or len(example.messages) != 3:
        return
    tools = example.calls[2]
    if len(tools) != 1 or tools[0] not in ANNOUNCEMENTS or rng.random() >= ANNOUNCE_RATE:
        return
    announce = {"role": "assistant", "content": rng.choice(ANNOUNCEMENTS[tools[0]])}
    nudge = {"role": "user", "content": rng.choice(NUDGES)}
    example.messages[2:2] = [announce, nudge]
    example.calls = {4: tools}


def use_tool_role(rng: random.Random, example: Example) -> None:
    if rng.random() >= TOOL_ROLE_RATE:
        return
    for message in example.messages[3:]:
        if message["role"] == "user" and message["content"].startswith("<tool_response>"):
            message["role"] = "tool"


def mix(rng: random.Random, example: Example) -> Example:
    example = copy.deepcopy(example)
    add_preambles(rng, example)
    add_announcement(rng, example)
    use_tool_role(rng, example)
    return example


def inject_duplicates(rng: random.Random, train: list[Example], valid: list[Example], dups: int, overlaps: int) -> None:
    """Exact copies inside train, and train examples copied into valid (both at random positions)."""
    for example in rng.sample(train, dups):
        train.insert(rng.randrange(len(train) + 1), copy.deepcopy(example))
    for example in rng.sample(train, overlaps):
        valid.insert(rng.randrange(len(valid) + 1), copy.deepcopy(example))
