"""Chat JSONL reading: line numbers, every problem reported, awkward bytes handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie_eval.errors import DataError
from punie_eval.jsonl import load_chat, read_chat, write_jsonl

GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "where", "what"),
    [
        (
            b'{"messages": [{"role": "asistant", "content": "x"}]}\n',
            ":1",
            "messages[0].role must be one of system, user, assistant, tool; got 'asistant'",
        ),
        (b'{"messages": [{"role": "user", "content": 3}]}\n', ":1", "messages[0].content must be a string, got 3"),
        (b"[1, 2]\n", ":1", "line must be a JSON object, got list"),
        (b"", ":1", "file must contain at least one example, got an empty file"),
        (GOOD.encode() + b"\n\xff\xfe\n", ":2", "line must be UTF-8, got byte 0xff at offset 0"),
        (GOOD.encode() + b"\n\n" + GOOD.encode() + b"\n", ":2", "line must hold a JSON object, got a blank line"),
        (b'{"messages": []}\n', ":1", "messages must be a non-empty array, got []"),
        (
            b'{"messages": [{"role": "user", "content": "x"}], "extra": 1}\n',
            ":1",
            "key 'extra' must be one of messages, tools",
        ),
    ],
    ids=[
        "bad-role",
        "non-string-content",
        "array-line",
        "empty-file",
        "invalid-utf8",
        "blank-line",
        "no-messages",
        "extra-key",
    ],
)
def test_jsonl_reports_problem_with_file_line(tmp_path: Path, data: bytes, where: str, what: str) -> None:
    """Each malformed line yields a DataError naming file:line and the field."""
    path = _write(tmp_path, data)
    _, errors = read_chat(path)
    assert (errors[0].where, errors[0].what) == (f"{path}{where}", what)


def test_jsonl_keeps_checking_after_invalid_json(tmp_path: Path) -> None:
    """An invalid JSON line is reported and the lines after it are still read and checked."""
    path = _write(tmp_path, b"{not json\n" + GOOD.encode() + b'\n{"messages": [{"role": "bot", "content": ""}]}\n')
    records, errors = read_chat(path)
    assert ([r.line for r in records], [e.where.rsplit(":", 1)[1] for e in errors]) == ([2], ["1", "3"])


def test_jsonl_strips_utf8_bom(tmp_path: Path) -> None:
    """A UTF-8 byte order mark before the first line is ignored."""
    records, errors = read_chat(_write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode() + b"\n"))
    assert (len(records), errors) == (1, [])


def test_jsonl_reads_huge_line(tmp_path: Path) -> None:
    """A multi-megabyte line is read like any other."""
    big = json.dumps({"messages": [{"role": "user", "content": "x" * 5_000_000}]})
    records, _ = read_chat(_write(tmp_path, big.encode() + b"\n"))
    assert len(records[0].messages[0]["content"]) == 5_000_000


def test_jsonl_shortens_huge_bad_values(tmp_path: Path) -> None:
    """A bad value is quoted shortened, so one error stays one readable line."""
    _, errors = read_chat(_write(tmp_path, json.dumps({"messages": [{"role": "r" * 10_000, "content": ""}]}).encode()))
    assert len(str(errors[0])) < 300


def test_jsonl_last_line_without_newline(tmp_path: Path) -> None:
    """A final line without a trailing newline is still an example."""
    records, errors = read_chat(_write(tmp_path, GOOD.encode()))
    assert (len(records), errors) == (1, [])


def test_jsonl_u2028_inside_a_string_stays_one_line(tmp_path: Path) -> None:
    """U+2028, U+0085 and a form feed inside a JSON string are text, not line breaks (lines split on \\n only)."""
    content = "a\u2028b\x85c\x0cd"
    line = json.dumps({"messages": [{"role": "user", "content": content}]}, ensure_ascii=False)
    records, errors = read_chat(_write(tmp_path, (line + "\n" + GOOD + "\n").encode()))
    assert ([(r.line, r.messages[0]["content"]) for r in records][:1], errors) == ([(1, content)], [])
    assert [r.line for r in records] == [1, 2]


def test_jsonl_load_raises_first_problem(tmp_path: Path) -> None:
    """load_chat raises the first problem and counts the rest."""
    path = _write(tmp_path, b"[]\n[]\n")
    with pytest.raises(DataError, match=r"train.jsonl:1: line must be a JSON object, got list \(\+1 more problems\)"):
        load_chat(path)


def test_jsonl_write_roundtrips_unicode(tmp_path: Path) -> None:
    """write_jsonl writes readable UTF-8 that reads back unchanged."""
    record = {"messages": [{"role": "user", "content": "héllo ✓"}]}
    write_jsonl(tmp_path / "train.jsonl", [record])
    assert "✓" in (tmp_path / "train.jsonl").read_text(encoding="utf-8")
    assert load_chat(tmp_path / "train.jsonl")[0].value == record
