"""punie-eval diagnose: the parsed calls, diagnosis, tool calls and field reads of one response."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from punie_eval.cli import main

RESPONSE = (
    "Let me check.\n<tool_call><function=execute_code><parameter=code>\n"
    'r = git_status(".")\nfor f in r.files:\n    print(f.branch, f.staged)\n'
    "</parameter></function></tool_call>"
)


@pytest.fixture
def response_file(tmp_path: Path) -> Path:
    path = tmp_path / "response.txt"
    path.write_text(RESPONSE, encoding="utf-8")
    return path


def test_diagnose_command_text_report(response_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text report shows the label, the call, the tool with its args and each field read's validity."""
    assert main(["diagnose", str(response_file)]) == 0
    out = capsys.readouterr().out
    expected = [
        "diagnosis: preamble [format failure]",
        "call 1: function=execute_code style=xml wrapped=True closed=True",
        '    | r = git_status(".")',
        "  tool git_status(path='.') line 1",
        "  field git_status(…).files.branch on GitFileStatus: INVALID (line 3)",
        "  field git_status(…).files.staged on GitFileStatus: valid (line 3)",
    ]
    assert [line for line in expected if line not in out.splitlines()] == []


def test_diagnose_command_json(response_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints one object with the diagnosis and each call's analysis."""
    assert main(["diagnose", str(response_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    reads = data["calls"][0]["analysis"]["field_reads"]
    assert (data["diagnosis"]["label"], [(r["path"], r["valid"]) for r in reads]) == (
        "preamble",
        [("files", True), ("files.branch", False), ("files.staged", True)],
    )


def test_diagnose_command_stdin_and_expect_prose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILE - reads standard input; --expect prose diagnoses an answer as ok."""
    monkeypatch.setattr("sys.stdin", io.StringIO("Protocols are structural."))
    assert main(["diagnose", "-", "--expect", "prose"]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "diagnosis: ok [not a format failure]",
        "  prose, no tool call",
        "calls: none",
    ]


def test_diagnose_command_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing FILE is a one-line usage error with exit status 2."""
    assert main(["diagnose", str(tmp_path / "nope.txt")]) == 2
    assert "FILE must be a readable UTF-8 text file" in capsys.readouterr().err
