"""Bad training and query data: one line naming file:line and field, every line checked, exit 2 on refusal.

Training data goes through ``punie-eval audit`` (reports every bad line, exit 1), ``punie-eval
clean`` (refuses: exit 2, one line) and the data-contract evals (``pytest evals/ -m data --data``).
Query suites go through ``pytest evals/ --queries BAD`` (one ``ERROR:`` line, usage-error exit)
and ``punie-eval audit --queries BAD`` (exit 2).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability import DATA_TESTS, child_env, run_evals

from punie_eval.cli import main
from punie_eval.paths import default_queries_file
from punie_eval.training.corpus import SYSTEM_PROMPT
from punie_eval.training.corpus.builders import tool_call

HUGE = 10_000_000  # a 10 MB line


def _example(assistant: str, user: str = "Lint src/") -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


def _line(value: Any) -> bytes:
    return json.dumps(value).encode()


GOOD = _example(tool_call('result = ruff_check("src/")\nprint(result.violation_count)', False))
# (id, raw line, contract, detail): each bad line of one train.jsonl, in file order after a good line.
BAD_LINES: list[tuple[str, bytes, str, str]] = [
    ("invalid-json", b"{not json", "schema", "line must be valid JSON, got Expecting property name"),
    ("array-line", b"[1, 2]", "schema", "line must be a JSON object, got list"),
    ("missing-messages", b'{"tools": []}', "schema", "messages must be a non-empty array, got None"),
    (
        "unknown-role",
        _line({"messages": [{"role": "bot", "content": "x"}]}),
        "schema",
        "messages[0].role must be one of system, user, assistant, tool; got 'bot'",
    ),
    (
        "non-string-content",
        _line({"messages": [{"role": "user", "content": 3}]}),
        "schema",
        "messages[0].content must be a string, got 3",
    ),
    (
        "invalid-utf8",
        b'{"messages": [{"role": "user", "content": "\xff"}]}',
        "schema",
        "line must be UTF-8, got byte 0xff",
    ),
    (
        "lone-surrogate",
        b'{"messages": [{"role": "user", "content": "a\\udc80"}]}',
        "schema",
        "messages[0].content must be valid Unicode, got a lone surrogate '\\udc80' at offset 1",
    ),
    (
        "unknown-tool",
        _line(_example(tool_call('r = nope_tool("x")\nprint(r)', False))),
        "tools",
        "messages[2] calls unknown tool 'nope_tool'",
    ),
    (
        "field-not-in-schema",
        _line(_example(tool_call('r = ruff_check("src/")\nprint(r.bogus_field)', False))),
        "fields",
        "messages[2] reads RuffResult.bogus_field, which is not a field",
    ),
    ("duplicate", _line(GOOD), "duplicates", "exact duplicate of line 1"),
    (
        "nested-too-deep",
        b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "schema",
        "line must be valid JSON, got arrays and objects must nest at most 200 levels deep, got more at column 213",
    ),
    (
        "huge-integer",
        b'{"messages": [{"role": "user", "content": "x"}], "tools": [' + b"9" * 5000 + b"]}",
        "schema",
        "line must be valid JSON, got integers must have at most 4300 digits, got one of 5000 digits at column 60",
    ),
    (
        "huge-invalid",
        _line({"messages": [{"role": "r" * HUGE, "content": ""}]}),
        "schema",
        "messages[0].role must be one of system, user, assistant, tool; got 'rrrr",
    ),
]
HUGE_VALID = _line(_example(tool_call('r = ruff_check("src/")\nprint(r.violation_count)\n# ' + "x" * HUGE, False)))


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train.jsonl (BOM, a good line, every bad line, a valid 10 MB line) and an empty valid.jsonl."""
    folder = tmp_path_factory.mktemp("data")
    lines = [_line(GOOD), *(raw for _, raw, _, _ in BAD_LINES), HUGE_VALID]
    (folder / "train.jsonl").write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    (folder / "valid.jsonl").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def audit(bad_data: Path) -> dict[str, Any]:
    """The audit's JSON verdict on the bad data (run once; the lines are large)."""
    out = subprocess.run(
        [sys.executable, "-m", "punie_eval.cli", "audit", str(bad_data), "--json"],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
    )
    assert (out.returncode, out.stderr) == (1, "")
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


@pytest.mark.parametrize(
    ("number", "contract", "detail"),
    [(i + 2, contract, detail) for i, (_, _, contract, detail) in enumerate(BAD_LINES)],
    ids=[case[0] for case in BAD_LINES],
)
def test_reliability_audit_names_each_bad_line(
    audit: dict[str, Any], bad_data: Path, number: int, contract: str, detail: str
) -> None:
    """Every bad line is reported at its own file:line under its contract, however many lines are bad."""
    where = f"{bad_data / 'train.jsonl'}:{number}"
    found = [v for v in audit["violations"] if v["where"] == where and v["contract"] == contract]
    assert len(found) == 1
    assert found[0]["detail"].startswith(detail)
    assert len(found[0]["detail"]) < 300


def test_reliability_audit_keeps_good_bom_and_huge_lines(audit: dict[str, Any], bad_data: Path) -> None:
    """The line after a BOM, the duplicate and the valid 10 MB line are examples; the empty file is named."""
    assert audit["files"][str(bad_data / "train.jsonl")] == 5  # good, unknown tool, bad field, duplicate, 10 MB
    first, empty = f"{bad_data / 'train.jsonl'}:1", f"{bad_data / 'valid.jsonl'}:1"
    assert [v for v in audit["violations"] if v["where"] == first] == []
    assert [v["detail"] for v in audit["violations"] if v["where"] == empty] == [
        "file must contain at least one example, got an empty file"
    ]


def test_reliability_clean_refuses_bad_data_with_one_line(
    bad_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """punie-eval clean on bad data exits 2 with one error line naming file:line and field, writing nothing."""
    assert main(["clean", str(bad_data), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"punie-eval clean: error: {bad_data / 'train.jsonl'}:2: line must be valid JSON, "
        "got Expecting property name enclosed in double quotes at column 2 (+"
    )
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # runs pytest in a subprocess
def test_reliability_data_contract_evals_name_bad_lines(bad_data: Path, tmp_path: Path) -> None:
    """pytest evals/ -m data --data BAD fails the broken contracts, naming file:line; no traceback of ours."""
    out = run_evals(tmp_path, "--data", bad_data, "-q", module=DATA_TESTS)
    assert out.returncode == pytest.ExitCode.TESTS_FAILED
    failed = sorted(line.split("[")[1].split("]")[0] for line in out.stdout.splitlines() if line.startswith("FAILED"))
    assert failed == ["duplicates", "fields", "schema", "tools"]
    assert f"{bad_data / 'train.jsonl'}:3: [schema] line must be a JSON object, got list" in out.stdout


# --- query suites -------------------------------------------------------------------------------------------

BASE: dict[str, Any] = json.loads(default_queries_file().read_text(encoding="utf-8"))


def _index(pred: Callable[[dict[str, Any]], bool]) -> int:
    return next(i for i, q in enumerate(BASE["queries"]) if pred(q))


def _mutated(change: Callable[[dict[str, Any]], None]) -> bytes:
    suite = copy.deepcopy(BASE)
    change(suite)
    return json.dumps(suite, indent=2).encode()


def _set(i: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(suite: dict[str, Any]) -> None:
        suite["queries"][i][key] = value

    return change


FIELDS = _index(lambda q: bool(q.get("fields")))
FIELDS_TOOL = next(iter(BASE["queries"][FIELDS]["fields"]))
TURN2 = _index(lambda q: q.get("turn2", {}).get("expect") == "summary")
GOOD_SUITE = json.dumps(BASE, indent=2).encode()


def _field(suite: dict[str, Any]) -> None:
    suite["queries"][FIELDS]["fields"][FIELDS_TOOL] = ["not_a_field"]


def _turn2(suite: dict[str, Any]) -> None:
    suite["queries"][TURN2]["turn2"]["tool_result"] = {"bogus": 1}


def _query_line(data: bytes, index: int) -> int:
    qid = BASE["queries"][index]["id"]
    return next(n for n, line in enumerate(data.decode().splitlines(), 1) if f'"id": "{qid}"' in line)


def _suite_case(
    name: str, change: Callable[[dict[str, Any]], None], index: int, message: str
) -> tuple[str, bytes, str]:
    data = _mutated(change)
    return (name, data, f"{_query_line(data, index)}: {message}")


def _raw_case(name: str, data: bytes, needle: bytes, message: str) -> tuple[str, bytes, str]:
    """A case whose error line is the first line holding ``needle``."""
    line = next(n for n, text in enumerate(data.split(b"\n"), 1) if needle in text)
    return (name, data, f"{line}: {message}")


# (id, file bytes, expected "line: message" after the path)
SUITE_CASES: list[tuple[str, bytes, str]] = [
    ("invalid-json", GOOD_SUITE.replace(b'"version"', b"version", 1), "3: invalid JSON: Expecting property name"),
    ("empty-file", b"", "1: file must hold a JSON object, got an empty file"),
    ("invalid-utf8", GOOD_SUITE.replace(b'"suite"', b'"su\xffite"', 1), "2: file must be UTF-8, got byte 0xff"),
    ("array", b"[1, 2]\n", "1: <root>: [1, 2] is not of type 'object'"),
    _suite_case(
        "duplicate-id",
        _set(5, "id", BASE["queries"][4]["id"]),
        4,
        f"queries[5].id must be unique, got duplicate '{BASE['queries'][4]['id']}'",
    ),
    _suite_case(
        "unknown-category",
        _set(5, "category", "bogus"),
        5,
        "queries[5].category must be one of direct_answers, single_tool, tool_identity, field_access, cross_tool, "
        "edge_cases, multi_turn; got 'bogus'",
    ),
    _suite_case(
        "unknown-tool", _set(5, "tools", ["nope_tool"]), 5, "queries[5].tools must name known tools, got 'nope_tool'"
    ),
    _suite_case(
        "field-not-in-schema",
        _field,
        FIELDS,
        f"queries[{FIELDS}].fields.{FIELDS_TOOL} must be fields of {FIELDS_TOOL}'s result, got 'not_a_field'",
    ),
    _suite_case("turn2-result-not-schema", _turn2, TURN2, f"queries[{TURN2}].turn2.tool_result must match"),
    _suite_case("non-string-prompt", _set(3, "prompt", 5), 3, "queries[3].prompt: 5 is not of type 'string'"),
    _suite_case(
        "lone-surrogate-prompt",
        _set(3, "prompt", "x\udc80"),
        3,
        "queries[3].prompt must be valid Unicode, got a lone surrogate '\\udc80' at offset 1",
    ),
    _raw_case(
        "lone-surrogate-system-prompt",
        _mutated(lambda suite: suite.update(system_prompt="You are\udc80 Punie")),
        b'"system_prompt"',
        "system_prompt must be valid Unicode, got a lone surrogate '\\udc80' at offset 7",
    ),
    _raw_case(
        "id-trailing-newline",
        _mutated(_set(5, "id", BASE["queries"][5]["id"] + "\n")),
        f'"id": "{BASE["queries"][5]["id"]}\\n"'.encode(),
        f"queries[5].id must match [a-z0-9][a-z0-9_]* in full, got '{BASE['queries'][5]['id']}\\n'",
    ),
    _raw_case(
        "nan-floor",
        _mutated(lambda suite: suite["categories"]["single_tool"].update(floor=float("nan"))),
        b'"single_tool": {',
        "categories.single_tool.floor must be between 0 and 1, got nan",
    ),
    _raw_case(
        "infinite-target",
        _mutated(lambda suite: suite["categories"]["single_tool"].update(target=float("inf"))),
        b"{",  # a schema error outside a query is reported on line 1
        "categories.single_tool.target: inf is greater than the maximum of 1",
    ),
    _raw_case(
        "nested-too-deep",
        GOOD_SUITE.replace(b'"version": 1', b'"version": ' + b"[" * 5000 + b"]" * 5000, 1),
        b'"version"',
        "invalid JSON: arrays and objects must nest at most 200 levels deep, got more at column 213",
    ),
    _raw_case(
        "huge-integer",
        GOOD_SUITE.replace(b'"version": 1', b'"version": ' + b"9" * 5000, 1),
        b'"version"',
        "invalid JSON: integers must have at most 4300 digits, got one of 5000 digits at column 14",
    ),
]


@pytest.mark.slow  # runs pytest in a subprocess
@pytest.mark.parametrize(("data", "message"), [c[1:] for c in SUITE_CASES], ids=[c[0] for c in SUITE_CASES])
def test_reliability_bad_query_suite_is_one_line_usage_error(tmp_path: Path, data: bytes, message: str) -> None:
    """pytest evals/ --queries BAD exits with a usage error: one ERROR line naming file:line and field."""
    (tmp_path / "bad.json").write_bytes(data)
    out = run_evals(tmp_path, "--queries", "bad.json", "--collect-only", "-q")
    assert out.returncode == pytest.ExitCode.USAGE_ERROR
    assert out.stderr.splitlines()[0].startswith(f"ERROR: bad.json:{message}")
    assert "Traceback" not in out.stderr + out.stdout


@pytest.mark.parametrize(("data", "message"), [c[1:] for c in SUITE_CASES], ids=[c[0] for c in SUITE_CASES])
def test_reliability_audit_with_bad_query_suite_exits_2(
    tmp_path: Path, data: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """punie-eval audit --queries BAD exits 2 with the same one line."""
    (tmp_path / "bad.json").write_bytes(data)
    good = tmp_path / "train.jsonl"
    good.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert main(["audit", str(good), "--queries", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"punie-eval audit: error: {tmp_path / 'bad.json'}:{message}")
    assert len(err.splitlines()) == 1


def test_reliability_query_suite_with_bom_is_read(tmp_path: Path) -> None:
    """A suite saved with a UTF-8 byte order mark collects like any other."""
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + GOOD_SUITE)
    out = run_evals(tmp_path, "--queries", "bom.json", "--collect-only", "-q")
    assert out.returncode == 0
    assert out.stdout.strip().splitlines()[-1].startswith(f"{len(BASE['queries'])} tests collected")
