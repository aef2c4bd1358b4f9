"""Helpers for the snapshot plugin tests: a pytester project with the snapshot test, a 4-query suite
over three categories, and replayed responses (no model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from punie_pytester import INI, OPT_IN_CONFTEST, REPO, call, plugin_args, replay_lines

SNAPSHOT_TEST = (REPO / "evals" / "test_snapshots.py").read_text(encoding="utf-8")
LINEAGE = "ref"

SUITE: dict[str, Any] = {
    "suite": "snap",
    "version": 1,
    "system_prompt": "You are Punie, a coding assistant.",
    "categories": {
        "direct_answers": {"target": 1.0, "floor": 0.5},
        "single_tool": {"target": 0.9, "floor": 0.5},
        "field_access": {"target": 0.8, "floor": 0.5},
    },
    "queries": [
        {"id": "frozen", "category": "direct_answers", "prompt": "What does frozen=True do?", "expect": "prose"},
        {
            "id": "status",
            "category": "single_tool",
            "prompt": "Show the current git status",
            "expect": "tool",
            "tools": ["git_status"],
        },
        {
            "id": "types",
            "category": "single_tool",
            "prompt": "Check types in src/",
            "expect": "tool",
            "tools": ["typecheck"],
        },
        {
            "id": "errors",
            "category": "field_access",
            "prompt": "How many type errors are there in src/? Print just that number.",
            "expect": "tool",
            "tools": ["typecheck"],
            "fields": {"typecheck": ["error_count"]},
            "forbidden_fields": {"typecheck": ["warning_count"]},
        },
    ],
}
# Every query passes strict.
GOOD: dict[str, list[str]] = {
    "frozen": ["A frozen dataclass is immutable: assigning to a field raises FrozenInstanceError."],
    "status": [call('result = git_status(".")\nprint(result.clean)')],
    "types": [call('result = typecheck("src/")\nprint(result.error_count)')],
    "errors": [call('result = typecheck("src/")\nprint(result.error_count)')],
}


def snapshot_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot test module, a strict ini, the suite and the GOOD replay."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    for name in ("PUNIE_MODEL", "PUNIE_QUERIES", "PUNIE_SNAPSHOT_LINEAGE", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".ini", pytest=INI)
    pytester.makeconftest(OPT_IN_CONFTEST)
    pytester.makepyfile(test_snapshots=SNAPSHOT_TEST)
    pytester.path.joinpath("suite.json").write_text(json.dumps(SUITE), encoding="utf-8")
    replay(pytester, GOOD)


def replay(pytester: pytest.Pytester, responses: dict[str, list[str]]) -> None:
    pytester.path.joinpath("replay.jsonl").write_text(replay_lines(responses), encoding="utf-8")


def run(pytester: pytest.Pytester, *args: str, lineage: str | None = LINEAGE) -> pytest.RunResult:
    """The snapshot tests over the replayed suite, in a subprocess (as users run them)."""
    options = ["--queries", "suite.json", "--backend", "replay", "--replay", "replay.jsonl", "--no-cache"]
    if lineage is not None:
        options += ["--snapshot-lineage", lineage]
    return pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", *options, *args)


def snapshot_files(pytester: pytest.Pytester) -> dict[str, str]:
    """Every snapshot file under ``snapshots/``, by path relative to the project (not the lineage's owner file)."""
    root = pytester.path / "snapshots"
    return {p.relative_to(pytester.path).as_posix(): p.read_text("utf-8") for p in sorted(root.rglob("*.yaml"))}


def accepted(pytester: pytest.Pytester) -> dict[str, str]:
    """Accept the GOOD replay's snapshots; return the files written."""
    result = run(pytester, "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    return snapshot_files(pytester)


def path_of(category: str, query_id: str, lineage: str = LINEAGE) -> Path:
    return Path("snapshots", lineage, category, f"{query_id}.yaml")
