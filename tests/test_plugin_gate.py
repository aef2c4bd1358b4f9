"""--gate: failing queries xfail with their reason; the exit status is the gate's verdict, also under xdist."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from punie_pytester import mini_project, run

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]

GATE_CASES = [
    ([], 1, ["gate FAILED: strict 2/4 (50.0%) is below --min-strict 80.0%; "
             "single_tool strict 1/3 (33.3%) is below its floor 50.0%"]),
    (["--min-strict", "0.5", "--floor", "single_tool=0.3"], 0,
     ["gate PASSED: strict 2/4 (50.0%) >= 50.0% and every category meets its floor"]),
    (["--min-strict", "0.5", "--floor", "direct_answers=1", "--floor", "single_tool=0.34"], 1,
     ["gate FAILED: single_tool strict 1/3 (33.3%) is below its floor 34.0%"]),
]  # fmt: skip


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize(("args", "ret", "lines"), GATE_CASES, ids=["default-fails", "lowered-passes", "floor-fails"])
def test_plugin_gate_exit_status(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    workers: list[str],
    args: list[str],
    ret: int,
    lines: list[str],
) -> None:
    """The gate over ALL selected queries decides the exit status, with the same verdict under -n 2."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", *workers, *args)
    assert result.ret == ret
    result.stdout.fnmatch_lines(lines)
    # the 4 queries, then the gate's own test case: passed, or the one failure
    result.stdout.fnmatch_lines(["*3 passed, 2 xfailed*" if ret == 0 else "*1 failed, 2 passed, 2 xfailed*"])


def test_plugin_gate_xfail_carries_reason(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under --gate a strict failure is listed as XFAIL with the failing layer and its reason."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", "-ra")
    result.stdout.fnmatch_lines_random(
        [
            "XFAIL test_queries.py::test_query?log? - strict: turn 1 gate: *preamble_then_stop*",
            "XFAIL test_queries.py::test_query?symbols? - strict: turn 1 identity: *run_command*",
        ]
    )


def test_plugin_gate_off_failures_fail(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --gate each query's strict verdict is its test outcome."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*2 failed, 2 passed*"])
    assert not any(line.startswith("gate ") for line in result.stdout.lines)


def test_plugin_gate_failure_explains_layers(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing query shows its layers, diagnosis, expected and actual calls and the raw response."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "-k", "symbols")
    result.stdout.fnmatch_lines(
        [
            "*query symbols (single_tool) failed strict: turn 1 identity: *",
            "*  prompt:   List all symbols in src/app.py",
            "*  expected: document_symbols",
            "*  turn 1  diagnosis ok (ok): *",
            "*    ✓ gate  *",
            "*    ✗ identity  *run_command*",
            "*    calls:       run_command(*",
            "*    response (finish: *",
            '*      | print(run_command("grep", *',
            "FAILED test_queries.py::test_query?symbols? - turn 1 identity: *",
        ]
    )


@pytest.mark.parametrize(
    ("args", "failures"), [([], "1"), (["--min-strict", "0.5", "--floor", "single_tool=0.3"], "0")]
)
def test_plugin_gate_in_junit_xml(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], failures: str
) -> None:
    """--junitxml carries the gate as a test case that fails when the gate fails; records are JSON properties."""
    base = mini_project(pytester, monkeypatch)
    result = run(pytester, *base, "--gate", "--junitxml", "j.xml", *args)
    assert result.ret == (1 if failures == "1" else 0)
    root = ElementTree.parse(pytester.path / "j.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("failures") == failures
    gate = next(tc for tc in root.iter("testcase") if tc.get("name") == "gate")
    failure = gate.find("failure")
    assert (failure is not None) == (failures == "1")
    if failure is not None:
        assert (failure.get("message") or "").startswith("gate FAILED: strict 2/4 (50.0%)")
    records = [p.get("value") or "" for p in root.iter("property") if p.get("name") == "punie_record"]
    assert {json.loads(r)["id"] for r in records} == {"status", "log", "symbols", "protocol"}
