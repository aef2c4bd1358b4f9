"""`punie-eval history`: the listing, `history show RUN`, and the trend page (`--html OUT`)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from history_runs import replay_run, three_runs

from punie_eval.cli import main
from punie_eval.history.store import record_run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_runs(tmp_path_factory.mktemp("history"))


def test_history_command_lists_runs_oldest_first(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One line per run with id, model, suite, strict and soft counts; --model filters."""
    assert main(["history", "--history", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "started", "(UTC)", "model", "hash", "suite", "strict", "soft", "gate", "project"]
    assert [line.split()[3] for line in lines[1:]] == ["alpha", "beta", "alpha"]
    assert "6/57 (10.5%)" in lines[1]
    assert main(["history", "--history", str(db), "--model", "alpha", "--limit", "1"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["3"]


def test_history_command_show_prints_identity_categories_and_failures(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`history show last` names the run and model, gives each category with its Wilson interval, lists failures."""
    assert main(["history", "show", "alpha@last", "--history", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("run 3, started ")
    assert "model   : alpha (-), adapter -, backend replay" in out
    assert re.search(r"^direct_answers +5/5 \(100\.0%\) +3/5 \(60\.0%\) +\[23-88\] +80%$", out, re.M)
    assert "failing strict: 54" in out
    assert "  st_git_status                turn 1 identity: expected git_status, got git_diff('.')" in out


HINT = "run an evaluation first, or pass --history PATH"


def test_history_command_missing_database_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A history that does not exist is one line naming it, exit 2."""
    assert main(["history", "--history", str(tmp_path / "none.sqlite")]) == 2
    err = capsys.readouterr().err
    missing = tmp_path / "none.sqlite"
    assert err == f"punie-eval history: error: {missing}: history database does not exist ({HINT})\n"


@pytest.fixture(scope="module")
def page(db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("page") / "trend.html"
    assert main(["history", "--history", str(db), "--html", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_history_command_html_is_self_contained(page: str) -> None:
    """The trend page is one HTML file: inline style, SVG and script; no external source, link or font."""
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page)
    assert (page.count("<svg "), page.count("<style>"), page.count("<script>")) == (8 + 3, 1, 1)  # 3 legend keys


def test_history_command_html_plots_each_category_per_model(page: str) -> None:
    """Overall plus the 7 categories, each with one series per model; a model with 2 runs gets a Wilson band."""
    panels = re.findall(r'<figure class="panel" data-category="([a-z_]+)">(.*?)</figure>', page, re.S)
    assert [name for name, _ in panels] == [
        "overall", "direct_answers", "single_tool", "tool_identity", "field_access", "cross_tool", "edge_cases",
        "multi_turn",
    ]  # fmt: skip
    for _, svg in panels:
        assert re.findall(r'<g class="series" data-model="(\w+)">', svg) == ["alpha", "beta"]
        assert (svg.count("<circle cx"), svg.count('<circle class="soft-point"')) == (3, 3)
        assert svg.count('<polygon class="band"') == 1  # alpha's two runs; beta's one run has an error bar only
    overall = panels[0][1]
    assert re.search(r"<title>run 1 · alpha · [^<]*\nstrict 6/57 10\.5% \[5-21\]\nsoft 57/57 100\.0%</title>", overall)


def test_history_command_html_tables_the_runs(page: str) -> None:
    """The runs table lists every run, newest first."""
    rows = re.findall(r'<tr data-model="(\w+)"><td class="num">(\d+)</td>', page)
    assert rows == [("alpha", "3"), ("beta", "2"), ("alpha", "1")]


def test_history_command_html_with_no_matching_run_is_a_usage_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Filters that leave no run give one line and no page."""
    out = tmp_path / "t.html"
    assert main(["history", "--history", str(db), "--model", "gamma", "--html", str(out)]) == 2
    assert "no run of" in capsys.readouterr().err
    assert not out.exists()


def test_history_command_html_never_replaces_the_history(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--html naming the database itself is refused before anything is written."""
    assert main(["history", "--history", str(db), "--html", str(db)]) == 2
    assert "an output never replaces an input" in capsys.readouterr().err


def test_history_command_html_draws_one_line_for_a_lora_runs_checkpoints(tmp_path: Path) -> None:
    """Runs recorded by `checkpoints` (metadata.checkpoint) share one series across their iterations."""
    db = tmp_path / "h.sqlite"
    for iteration in (100, 200):
        result = replay_run(tmp_path / str(iteration), name=f"base+adapters-{iteration:07d}")
        checkpoint = {"adapters": str(tmp_path / "adapters"), "iteration": iteration}
        record_run(db, replace(result, metadata={**result.metadata, "checkpoint": checkpoint}))
    out = tmp_path / "t.html"
    assert main(["history", "--history", str(db), "--html", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert set(re.findall(r'<g class="series" data-model="([^"]+)">', page)) == {"base+adapters checkpoints"}
    assert page.count('<polygon class="band"') == 8  # a band in every panel: two points on one line
