"""JSON text past Python's limits is a JSONDecodeError with a position, never a RecursionError or ValueError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from results_builder import outcomes, results

from punie_eval.cli import main
from punie_eval.jsontext import MAX_DEPTH, JsonLimitError, loads, lone_surrogate

LIMITS = [
    ("past-recursion-limit", "[" * 100_000 + "]" * 100_000, "must nest at most 200 levels deep", 1, 201),
    ("just-past-max-depth", "[\n" + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]", "must nest at most 200 levels", 2, 200),
    ("long-integer", '{"n":\n  ' + "9" * 5000 + "}", "integers must have at most 4300 digits, got one of 5000", 2, 3),
    ("long-negative-integer", "[-" + "1" * 4301 + "]", "got one of 4301 digits", 1, 2),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), [c[1:] for c in LIMITS], ids=[c[0] for c in LIMITS])
def test_jsontext_limits_are_decode_errors_with_a_position(text: str, message: str, line: int, column: int) -> None:
    """Nesting past MAX_DEPTH and integers past the int-string limit name their line and column."""
    with pytest.raises(JsonLimitError, match=message) as caught:
        loads(text)
    assert isinstance(caught.value, json.JSONDecodeError)
    assert (caught.value.lineno, caught.value.colno) == (line, column)


ACCEPTED = [
    ("max-depth", "[" * MAX_DEPTH + "]" * MAX_DEPTH),
    ("brackets-and-digits-in-strings", json.dumps({"s": "[" * 500 + "9" * 5000})),
    ("long-float", "[1." + "0" * 5000 + "]"),
    ("u2028-in-a-string", '{"s": "a\u2028b"}'),
]


@pytest.mark.parametrize("text", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_jsontext_reads_what_json_reads_within_limits(text: str) -> None:
    """Within the limits the value is json.loads's, brackets and digits inside strings included."""
    assert loads(text) == json.loads(text)


def test_jsontext_invalid_json_is_json_decode_error() -> None:
    """Plain invalid JSON keeps json's own error (not a JsonLimitError)."""
    with pytest.raises(json.JSONDecodeError) as caught:
        loads("{nope")
    assert not isinstance(caught.value, JsonLimitError)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": ["ok", "x\udc80"]}, (("a", 1), "\udc80", 1)),
        ({"k\ud800": 1}, ((), "\ud800", 1)),
        ({"a": ["ok", "é"]}, None),
    ],
    ids=["in-a-list", "in-a-key", "none"],
)
def test_jsontext_lone_surrogate_names_its_path(value: object, found: object) -> None:
    """The first string (or key) holding a lone surrogate is found with its path and offset."""
    assert lone_surrogate(value) == found


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (b"[" * 5000 + b"]" * 5000, "invalid JSON: arrays and objects must nest at most 200 levels deep, got more"),
        (b"9" * 5000, "invalid JSON: integers must have at most 4300 digits, got one of 5000 digits"),
    ],
    ids=["nested-too-deep", "huge-integer"],
)
def test_jsontext_results_file_limits_are_one_line_through_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replace: bytes, message: str
) -> None:
    """punie-eval compare on a results file nested too deep or holding a 5000-digit integer: exit 2, one line."""
    good = json.dumps(results(outcomes("single_tool", 9, 1)), indent=1).encode()
    bad = tmp_path / "candidate.json"
    bad.write_bytes(good.replace(b'"started_at"', b'"deep": ' + replace + b', "started_at"', 1))
    (tmp_path / "baseline.json").write_bytes(good)
    assert main(["compare", str(tmp_path / "baseline.json"), str(bad)]) == 2
    err = capsys.readouterr().err
    line = next(n for n, text in enumerate(bad.read_bytes().split(b"\n"), 1) if b'"deep"' in text)
    assert err == f"punie-eval compare: error: {bad}:{line}: {message}\n"
