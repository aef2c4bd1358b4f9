"""Helpers for the plugin tests: a pytester project with the query test, a small suite and replayed responses.

Runs go through ``runpytest_subprocess`` so the plugin loads the way users get it: from the
``pytest11`` entry point when punie-eval is installed, else with ``-p punie_eval.plugin``.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
QUERY_TEST = (REPO / "evals" / "test_queries.py").read_text(encoding="utf-8")
INI = "[pytest]\nstrict = true\nfilterwarnings =\n    error\n"
OPT_IN_CONFTEST = "PUNIE_EVALS = True  # as in evals/conftest.py: this project's runs are punie's\n"


def call(code: str) -> str:
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


# A 4-query suite: 2 of 4 pass strict, 3 of 4 soft; one format failure, one capability failure.
MINI_SUITE: dict[str, Any] = {
    "suite": "mini",
    "version": 1,
    "system_prompt": "You are Punie, a coding assistant.",
    "categories": {
        "direct_answers": {"target": 1.0, "floor": 0.5},
        "single_tool": {"target": 0.9, "floor": 0.5},
    },
    "queries": [
        {
            "id": "status",
            "category": "single_tool",
            "prompt": "Show the current git status",
            "expect": "tool",
            "tools": ["git_status"],
        },
        {
            "id": "log",
            "category": "single_tool",
            "prompt": "Show the last 5 commits",
            "expect": "tool",
            "tools": ["git_log"],
        },
        {
            "id": "symbols",
            "category": "single_tool",
            "prompt": "List all symbols in src/app.py",
            "expect": "tool",
            "tools": ["document_symbols"],
        },
        {"id": "protocol", "category": "direct_answers", "prompt": "When should I use a Protocol?", "expect": "prose"},
    ],
}
MINI_REPLAY = {
    "status": [call('result = git_status(".")\nprint(result.clean)')],
    "log": ["I'll show the commits."],
    "symbols": [call('print(run_command("grep", ["-n", "def ", "src/app.py"]))')],
    "protocol": ["Use a Protocol when classes should match by structure instead of inheriting a base class."],
}


def replay_lines(responses: dict[str, list[str]]) -> str:
    return "\n".join(json.dumps({"id": qid, "responses": texts}) for qid, texts in responses.items()) + "\n"


def plugin_args() -> list[str]:
    """``-p punie_eval.plugin`` unless the entry point already loads it (doing both would register it twice)."""
    installed = any(ep.value == "punie_eval.plugin" for ep in metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "punie_eval.plugin"]


def setup_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The query test module, a strict ini, and punie_eval importable in the subprocess."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    for name in ("PUNIE_MODEL", "PUNIE_QUERIES", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".ini", pytest=INI)
    pytester.makeconftest(OPT_IN_CONFTEST)
    pytester.makepyfile(test_queries=QUERY_TEST)


def mini_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The mini suite and its replay; returns the options that select them."""
    setup_project(pytester, monkeypatch)
    pytester.path.joinpath("mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    pytester.path.joinpath("replay.jsonl").write_text(replay_lines(MINI_REPLAY), encoding="utf-8")
    return ["--queries", "mini.json", "--backend", "replay", "--replay", "replay.jsonl"]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", *args)
