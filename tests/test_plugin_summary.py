"""The end-of-run summary: soft and strict k/n per category and overall, diagnoses split by kind."""

from __future__ import annotations

import pytest
from punie_pytester import mini_project, run

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]

SUMMARY = [
    "*= punie-eval summary =*",
    "category        soft            strict           target  floor",
    "direct_answers  1/1 (100.0%)    1/1 (100.0%)       100%    50%",
    "single_tool     2/3 (66.7%)     1/3 (33.3%)         90%    50%  below target",
    "overall         3/4 (75.0%)     2/4 (50.0%)         80%",
    "format failures: preamble_then_stop 1",
    "capability failures: identity 1",
]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_plugin_summary_table(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]) -> None:
    """The summary counts every query once, also when the queries ran on two xdist workers."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, *workers)
    result.stdout.fnmatch_lines(SUMMARY)


def test_plugin_summary_counts_only_selected(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deselected queries are not in the summary."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "-m", "direct_answers")
    result.stdout.fnmatch_lines(["direct_answers  1/1 (100.0%)*", "overall         1/1 (100.0%)*"])
    assert "single_tool " not in result.stdout.str()


def test_plugin_summary_counts_unscored_query(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A query whose responses are missing from the replay still counts, as a strict and soft failure."""
    base = mini_project(pytester, monkeypatch)
    pytester.path.joinpath("replay.jsonl").write_text('{"id": "other", "responses": ["x"]}\n', encoding="utf-8")
    result = run(pytester, *base, "--gate")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["overall         0/4 (0.0%)      0/4 (0.0%)*", "capability failures: not scored 4"])
