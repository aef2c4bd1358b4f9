"""One item per query, selectable by category, family and id; a run without query items loads no model."""

from __future__ import annotations

import re

import pytest
from punie_pytester import run, setup_project

from punie_eval.queries import Query, load_suite

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]

SUITE = load_suite()
SELECTIONS = [
    (["-m", "git"], lambda q: "git" in q.families),
    (["-m", "field_access"], lambda q: q.category == "field_access"),
    (["-m", "lsp and not multi_turn"], lambda q: "lsp" in q.families and q.category != "multi_turn"),
    (["-m", "files"], lambda q: "files" in q.families),
    (["-m", "none"], lambda q: q.families == ("none",)),
    (["-k", "st_git_status"], lambda q: q.id == "st_git_status"),
    ([], lambda q: True),
]


def collected_ids(lines: list[str]) -> list[str]:
    return [m.group(1) for line in lines if (m := re.match(r"test_queries\.py::test_query\[(\w+)\]$", line))]


@pytest.mark.parametrize(
    ("args", "wanted"),
    SELECTIONS,
    ids=["git", "field_access", "lsp-not-multi_turn", "files", "none", "k-id", "all"],
)
def test_plugin_selection_exact_ids(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], wanted: object
) -> None:
    """Marker and -k selection picks exactly the queries of that category, family or id."""
    setup_project(pytester, monkeypatch)
    result = run(pytester, "--collect-only", "-q", *args)
    assert result.ret == 0
    predicate = wanted if callable(wanted) else None
    assert predicate is not None
    expected: list[Query] = [q for q in SUITE.queries if predicate(q)]
    assert collected_ids(result.stdout.lines) == [q.id for q in expected]


def test_plugin_selection_ids_are_query_ids(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 57 items are named by query id, in suite order."""
    setup_project(pytester, monkeypatch)
    result = run(pytester, "--collect-only", "-q")
    assert collected_ids(result.stdout.lines) == [q.id for q in SUITE.queries]
    assert len(SUITE.queries) == 57


def test_plugin_selection_without_queries_loads_no_model(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-m data` deselects every query: the session ends without generating (a broken model is never touched)."""
    setup_project(pytester, monkeypatch)
    not_a_model = pytester.mkdir("not-a-model")
    result = run(pytester, "-m", "data", "--model", str(not_a_model))
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "generation failed" not in result.stdout.str()
    assert "punie-eval summary" not in result.stdout.str()


def test_plugin_selection_header(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The header names the model, backend, suite fingerprint and query count."""
    setup_project(pytester, monkeypatch)
    pytester.path.joinpath("r.jsonl").write_text('{"id": "other", "responses": ["x"]}\n', encoding="utf-8")
    result = run(pytester, "--collect-only", "--backend", "replay", "--replay", "r.jsonl")
    result.stdout.fnmatch_lines(
        [
            "punie-eval: model replay r.jsonl, backend replay, blas n/a",
            f"punie-eval: suite punie-57 ({SUITE.fingerprint[:12]}), 57 queries from *queries.json",
        ]
    )
