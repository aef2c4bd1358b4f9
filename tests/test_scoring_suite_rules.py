"""Suite-load rules that keep expectations meaningful: each names a query tool, no empty keyword list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from punie_eval.errors import QuerySuiteError
from punie_eval.paths import default_queries_file
from punie_eval.queries import load_suite

BASE: dict[str, Any] = json.loads(default_queries_file().read_text(encoding="utf-8"))


def _query(suite: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in suite["queries"] if q["id"] == qid)


def _other_tool_args(suite: dict[str, Any]) -> None:
    _query(suite, "st_git_status")["args"] = {"git_log": {"count": 5}}


def _other_tool_fields(suite: dict[str, Any]) -> None:
    _query(suite, "fa_commit_count")["forbidden_fields"] = {"git_status": ["clean"]}


def _empty_keywords(suite: dict[str, Any]) -> None:
    _query(suite, "da_exit_exceptions")["keywords"] = []


def _empty_turn2_keywords(suite: dict[str, Any]) -> None:
    _query(suite, "mt_ruff_summary")["turn2"]["keywords"] = []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_other_tool_args, "queries[13].args.git_log must name one of the query's tools (git_status), got 'git_log'"),
        (
            _other_tool_fields,
            "queries[26].forbidden_fields.git_status must name one of the query's tools (git_log), got 'git_status'",
        ),
        (_empty_keywords, "queries[3].keywords must list at least one keyword (omit it to check none), got []"),
        (_empty_turn2_keywords, "queries[46].turn2.keywords"),
    ],
    ids=["args-other-tool", "fields-other-tool", "empty-keywords", "empty-turn2-keywords"],
)
def test_scoring_suite_rules_refuse_meaningless_expectations(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    """An expectation no call can meet, or a keyword list that always passes, is refused at load."""
    suite = json.loads(json.dumps(BASE))
    change(suite)
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite, indent=2), encoding="utf-8")
    with pytest.raises(QuerySuiteError) as err:
        load_suite(path)
    assert message in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_scoring_suite_rules_turn2_tool_expectations_allowed(tmp_path: Path) -> None:
    """Expected arguments for a turn-2 chain tool name one of the query's tools."""
    suite = json.loads(json.dumps(BASE))
    _query(suite, "mt_typecheck_then_read")["args"]["read_file"] = {"path": "src/punie/agent/runner.py"}
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite), encoding="utf-8")
    assert load_suite(path).by_id()["mt_typecheck_then_read"].args["read_file"] == {"path": "src/punie/agent/runner.py"}
