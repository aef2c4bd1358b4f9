"""The whole corpus: how many examples of each kind, generation with distinct prompts, the
mixed variant, and byte-stable JSONL output (same seed → same bytes)."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path

from punie_eval.jsonl import write_jsonl
from punie_eval.queries import guarded_suites
from punie_eval.registry import ToolRegistry, load_registry
from punie_eval.training.corpus import builders, mixed
from punie_eval.training.corpus.builders import Example
from punie_eval.training.corpus.combos import CROSS, chains
from punie_eval.training.corpus.requests import IDENTITY, INTENTS, Intent
from punie_eval.training.leakage import LeakIndex

SEED = 27
N_TRAIN = 15000
N_VALID = 150
DUPLICATES = 12
OVERLAPS = 6
# kind -> share of the corpus
MIX = {
    "prose": 0.10,
    "prose_tool": 0.07,
    "single": 0.30,
    "identity": 0.07,
    "run_command": 0.03,
    "write_file": 0.02,
    "cross": 0.11,
    "composed": 0.07,
    "multi_summary": 0.13,
    "multi_chain": 0.10,
}
SUMMARY_TOOLS = frozenset(
    {
        "typecheck",
        "ruff_check",
        "pytest_run",
        "goto_definition",
        "find_references",
        "hover",
        "document_symbols",
        "workspace_symbols",
        "git_status",
        "git_diff",
        "git_log",
    }
)
# Tools whose calls copy several values (line, column, symbol, query) out of the request:
# the hardest thing for a tiny model to learn, so their single-tool requests come twice as often.
COPY_HEAVY = frozenset({"goto_definition", "find_references", "hover", "workspace_symbols"})


def _makers(registry: ToolRegistry) -> dict[str, Callable[[random.Random], Example]]:
    by_name = {i.name: i for i in INTENTS}
    summary_intents = [i for i in INTENTS if i.tools[0] in SUMMARY_TOOLS]
    chain_list = chains(by_name)
    by_tool: dict[str, list[Intent]] = {}
    for intent in INTENTS:  # single-tool requests: pick a tool (COPY_HEAVY ones twice as often), then an intent
        by_tool.setdefault(intent.tools[0], []).append(intent)
    tools = sorted(by_tool)
    weights = [2 if tool in COPY_HEAVY else 1 for tool in tools]
    return {
        "prose": builders.prose_python,
        "prose_tool": lambda rng: builders.prose_tool(rng, registry),
        "single": lambda rng: builders.single(rng, rng.choice(by_tool[rng.choices(tools, weights)[0]])),
        "identity": lambda rng: builders.single(rng, rng.choice(IDENTITY)),
        "run_command": builders.run_command,
        "write_file": builders.write_file,
        "cross": lambda rng: builders.single(rng, rng.choice(CROSS), kind="cross"),
        "composed": lambda rng: builders.composed(rng, by_tool),
        "multi_summary": lambda rng: builders.multi_summary(rng, rng.choice(summary_intents), registry),
        "multi_chain": lambda rng: builders.multi_chain(rng, rng.choice(chain_list), registry),
    }


def _key(example: Example) -> str:
    return json.dumps(example.messages, sort_keys=True)


def _request(example: Example) -> str:
    return example.messages[1]["content"].strip().lower()


def eval_leak_index() -> LeakIndex:
    """The bundled eval queries, main and held-out: a generated request that leaks one of them is drawn again."""
    return LeakIndex.of_suites(*guarded_suites())


def generate(
    rng: random.Random, n: int, registry: ToolRegistry, seen: set[str], leak_index: LeakIndex
) -> list[Example]:
    """``n`` clean examples with the MIX shares, every first request distinct from ``seen`` (updated)
    and from the eval queries (a random slot fill can recreate one, e.g. "Check the types in
    src/punie/agent/, …")."""
    makers = _makers(registry)
    plan = [kind for kind, share in MIX.items() for _ in range(round(share * n))]
    examples = []
    for kind in plan:
        for attempt in itertools.count():  # a repeated request is accepted after 50 draws, a leak never
            example = makers[kind](rng)
            fresh = _request(example) not in seen or attempt >= 50
            if fresh and leak_index.check(example.messages[1]["content"]) is None:
                break
        seen.add(_request(example))
        examples.append(example)
    rng.shuffle(examples)
    return examples


def build_mixed(
    seed: int = SEED, n_train: int = N_TRAIN, n_valid: int = N_VALID
) -> tuple[list[Example], list[Example]]:
    registry = load_registry()
    seen: set[str] = set()
    leak_index = eval_leak_index()
    train = generate(random.Random(seed), n_train, registry, seen, leak_index)
    valid = generate(random.Random(seed + 1), n_valid, registry, seen, leak_index)
    mix_rng = random.Random(seed + 2)
    train = [mixed.mix(mix_rng, e) for e in train]
    valid = [mixed.mix(mix_rng, e) for e in valid]
    mixed.inject_duplicates(mix_rng, train, valid, DUPLICATES, OVERLAPS)
    return train, valid


def write_mixed(out_dir: Path, seed: int = SEED) -> dict[str, int]:
    train, valid = build_mixed(seed)
    write_jsonl(out_dir / "train.jsonl", (e.record() for e in train))
    write_jsonl(out_dir / "valid.jsonl", (e.record() for e in valid))
    return {"train": len(train), "valid": len(valid)}
