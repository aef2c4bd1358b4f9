"""Deterministic training corpus for the tiny reference model (mlx-lm chat JSONL).

    vocab.py      slot values: paths, symbols, commands, preambles
    wording.py    the surface wrapping of a request: polite prefixes/suffixes, context, reason, casing
    concepts.py   conceptual questions answered in prose (Python, and the tools themselves)
    requests.py   request phrasings and the code each intent calls, per tool
    results.py    schema-valid tool results (checked with the registry) and their prose summaries
    builders.py   one conversation per kind: prose, single tool, cross tool, multi-turn
    mixed.py      the seed's inconsistencies: preambles, announce-then-stop, tool-role results, duplicates
    writer.py     the whole corpus: split, order, write JSONL byte-stably

Everything draws from ``random.Random`` instances seeded by the caller; no global state.
"""

from __future__ import annotations

SYSTEM_PROMPT = (
    "You are Punie, a coding assistant. Answer conceptual questions in prose. "
    "To inspect or change the project, call execute_code with Python that uses the typed tools."
)
