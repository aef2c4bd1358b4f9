"""``punie-eval compare``: exit codes for CI, text output and report files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from results_builder import Q, outcomes, results, write

from punie_eval.cli import main

CASES = {
    "promote": (outcomes("single_tool", 8, 2), outcomes("single_tool", 9, 1), [], 0),
    "hold": (outcomes("single_tool", 7, 3), outcomes("single_tool", 7, 3), [], 3),
    "reject": (outcomes("single_tool", 40, 0), outcomes("single_tool", 34, 6), [], 1),
    "reject-by-floor-option": (
        outcomes("single_tool", 9, 1),
        outcomes("single_tool", 9, 1),
        ["--floor", "single_tool=0.95"],
        1,
    ),
    "hold-by-min-strict-option": (
        outcomes("single_tool", 9, 1),
        outcomes("single_tool", 9, 1),
        ["--min-strict", "0.95"],
        3,
    ),
}


def _files(tmp_path: Path, baseline: dict[str, Any], candidate: dict[str, Any]) -> list[str]:
    return [str(write(tmp_path, "baseline.json", baseline)), str(write(tmp_path, "candidate.json", candidate))]


@pytest.mark.parametrize(("baseline", "candidate", "options", "code"), CASES.values(), ids=CASES)
def test_compare_command_exit_code_is_the_verdict(
    tmp_path: Path, baseline: list[Q], candidate: list[Q], options: list[str], code: int
) -> None:
    """promote exits 0, reject 1, hold 3."""
    files = _files(tmp_path, results(baseline), results(candidate))
    assert main(["compare", *files, *options]) == code


def test_compare_command_prints_summary_and_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stdout holds the category table and ends with the verdict."""
    files = _files(tmp_path, results(outcomes("single_tool", 8, 2)), results(outcomes("single_tool", 9, 1)))
    main(["compare", *files])
    out = capsys.readouterr().out
    assert "single_tool" in out
    assert "McNemar" in out
    assert out.splitlines()[-4].startswith("verdict: PROMOTE")


def test_compare_command_writes_markdown_and_html(tmp_path: Path) -> None:
    """--markdown and --html write the reports, creating folders, leaving no temporary files."""
    files = _files(tmp_path, results(outcomes("single_tool", 8, 2)), results(outcomes("single_tool", 9, 1)))
    md, page = tmp_path / "out" / "report.md", tmp_path / "out" / "report.html"
    main(["compare", *files, "--markdown", str(md), "--html", str(page)])
    assert md.read_text(encoding="utf-8").startswith("## ✅ PROMOTE")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in md.parent.iterdir()) == ["report.html", "report.md"]


OPTION_ERRORS = {
    "floor-without-value": (["--floor", "single_tool"], "must be CATEGORY=X"),
    "min-strict-out-of-range": (["--min-strict", "1.5"], "must be between 0 and 1"),
    "alpha-not-a-number": (["--alpha", "low"], "must be a number between 0 and 1"),
}


@pytest.mark.parametrize(("options", "message"), OPTION_ERRORS.values(), ids=OPTION_ERRORS)
def test_compare_command_bad_option_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    """A malformed option value is an argparse usage error: exit 2, message on stderr."""
    files = _files(tmp_path, results(outcomes("single_tool", 9, 1)), results(outcomes("single_tool", 9, 1)))
    with pytest.raises(SystemExit) as info:
        main(["compare", *files, *options])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_compare_command_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing results file exits 2 with one line naming it."""
    missing = str(tmp_path / "missing.json")
    assert main(["compare", missing, missing]) == 2
    assert capsys.readouterr().err == f"punie-eval compare: error: {missing}: results file does not exist\n"


def test_compare_command_unknown_floor_category_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --floor for a category the runs do not have exits 2 naming the valid ones."""
    files = _files(tmp_path, results(outcomes("single_tool", 9, 1)), results(outcomes("single_tool", 9, 1)))
    assert main(["compare", *files, "--floor", "nope=0.5"]) == 2
    assert "category must be one of single_tool; got 'nope'" in capsys.readouterr().err


def test_compare_command_mismatched_suites_exit_2_unless_forced(tmp_path: Path) -> None:
    """Runs of different suites exit 2; --force compares them anyway."""
    files = _files(
        tmp_path, results(outcomes("single_tool", 9, 1)), results(outcomes("single_tool", 9, 1), fingerprint="b" * 64)
    )
    assert (main(["compare", *files]), main(["compare", *files, "--force"])) == (2, 0)
