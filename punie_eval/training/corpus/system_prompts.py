"""The system prompts training conversations start with.

Users evaluate under their own system prompt, often a single sentence, so a model that has only
seen the suite's prompt breaks under theirs (it was measured: "Show the current git status" →
``<tool_call>\n<function`` and stop). ``system_prompt`` draws the suite's prompt (the one
evaluated by default) half the time, otherwise one composed from an identity sentence and zero
to two instruction sentences, in the wordings below. ``data/heldout/system-prompt.txt`` is a prompt
none of these compositions can produce (tests check it): the foreign prompt a build is measured
under.
"""

from __future__ import annotations

import itertools
import random

from punie_eval.training.corpus import SYSTEM_PROMPT

SUITE_SHARE = 0.5
IDENTITIES = (
    "You are Punie, a coding assistant.",
    "You are Punie.",
    "You are a coding assistant.",
    "You are a helpful coding assistant.",
    "You are an AI assistant for a Python codebase.",
    "You are a programming assistant working in the user's repository.",
    "You help developers with their Python projects.",
    "You are a software engineering agent.",
    "You are an assistant that can run Python in the user's project.",
    "Assistant for code questions and repository tasks.",
    "You are a pair programmer.",
    "You are a concise, careful coding agent.",
)
PROSE_RULES = (
    "Answer conceptual questions in prose.",
    "Explain concepts in plain prose.",
    "When the user asks a general question, answer it directly.",
    "Answer questions about Python from your own knowledge.",
    "Reply in prose when no tool is needed.",
)
TOOL_RULES = (
    "To inspect or change the project, call execute_code with Python that uses the typed tools.",
    "Use the execute_code tool to run Python that calls the typed tools.",
    "Call execute_code to inspect the project.",
    "You can call tools through execute_code.",
    "For anything about the project's files, git or tests, write Python for execute_code.",
    "Use tools when the question is about the repository.",
    "Typed tools such as typecheck, ruff_check, pytest_run and git_status are available in execute_code.",
)
STYLE_RULES = (
    "Be brief.",
    "Keep answers short.",
    "Be concise and accurate.",
    "Do not guess; check with the tools.",
)
RULES = (PROSE_RULES, TOOL_RULES, STYLE_RULES)


def system_prompt(rng: random.Random) -> str:
    """The suite's prompt half the time, else an identity sentence and up to two rules."""
    if rng.random() < SUITE_SHARE:
        return SYSTEM_PROMPT
    parts = [rng.choice(IDENTITIES)]
    for pool in rng.sample(RULES, rng.choice((0, 1, 1, 2))):
        parts.append(rng.choice(pool))
    return " ".join(parts)


def compositions() -> set[str]:
    """Every prompt ``system_prompt`` can return (for the tests that keep the foreign prompt foreign)."""
    out = {SYSTEM_PROMPT}
    for k in (0, 1, 2):
        for pools in itertools.permutations(RULES, k):
            out.update(" ".join(parts) for parts in itertools.product(IDENTITIES, *pools))
    return out
