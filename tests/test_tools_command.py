"""``punie-eval tools check`` and ``punie-eval tools from-pydantic``, run in-process through the CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from punie_eval.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "docs-search"


@pytest.fixture
def fresh_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stub modules imported by a test are forgotten after it, and leave no bytecode behind."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_tools_command_check_prints_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A valid registry: exit 0 and one line with its name, tools, families and result types."""
    assert main(["tools", "check", str(EXAMPLE / "tools")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].endswith("3 tools in search, pages, 5 result types: ok")


def test_tools_command_check_lists_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid registry: exit 1 and one line per problem, each naming file and field."""
    (tmp_path / "results").mkdir()
    (tmp_path / "tools.json").write_text(
        '{"format": "punie-eval-tools/1", "name": "x", "tools": [\n'
        ' {"name": "a", "family": "f", "params": [{"name": "p", "type": "str"}], "returns": "Missing"}]}\n',
        encoding="utf-8",
    )
    assert main(["tools", "check", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path}/tools.json:2: tools[0].params[0].type must be JSON Schema types "
        "(array, boolean, integer, null, number, object, string), got 'str'",
        f"{tmp_path}/tools.json:2: tools[0].returns must name a result type with a schema "
        f"({tmp_path}/results/Missing.json is missing), got 'Missing'",
    ]


@pytest.mark.usefixtures("fresh_imports")
def test_tools_command_from_pydantic_rebuilds_the_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example's committed registry is exactly what from-pydantic makes of its stubs."""
    monkeypatch.chdir(EXAMPLE / "stubs")
    out = tmp_path / "tools"
    assert main(["tools", "from-pydantic", "search", "pages", "--out", str(out), "--name", "docs-search"]) == 0
    assert capsys.readouterr().out.endswith("3 tools in search, pages, 5 result types: ok\n")
    committed = sorted(p.relative_to(EXAMPLE / "tools") for p in (EXAMPLE / "tools").rglob("*.json"))
    assert sorted(p.relative_to(out) for p in out.rglob("*.json")) == committed
    for name in committed:
        assert (out / name).read_text(encoding="utf-8") == (EXAMPLE / "tools" / name).read_text(encoding="utf-8")


@pytest.mark.usefixtures("fresh_imports")
@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (
            "def find(query) -> str: ...\n",
            "untyped_stub",
            "untyped_stub:find: parameter query must have a type annotation, got none",
        ),
        (
            "def find(*terms: str) -> str: ...\n",
            "star_stub",
            "star_stub:find: parameter terms must be an ordinary parameter, got variadic positional",
        ),
        (
            "def find(query: str) -> dict: ...\n",
            "dict_stub",
            "dict_stub:find: the return annotation must be a pydantic model or str, got <class 'dict'>",
        ),
        ("def find(query: str) -> str: ...\n", "plain_stub:search", "plain_stub:search: NAME must be a function of"),
    ],
    ids=["untyped_parameter", "star_args", "untyped_result", "unknown_name"],
)
def test_tools_command_from_pydantic_bad_stub_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    target: str,
    message: str,
) -> None:
    """A stub that cannot be a tool: exit 2 and one line naming MODULE:NAME and what is wrong."""
    (tmp_path / f"{target.partition(':')[0]}.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["tools", "from-pydantic", target, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"punie-eval tools: error: {message}"), err[0]
    assert not (tmp_path / "out").exists()


def test_tools_command_from_pydantic_keeps_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out naming an existing folder is refused without --force, and the folder is left alone."""
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["tools", "from-pydantic", "json", "--out", str(tmp_path)]) == 2
    assert "exists: pass --force to replace it" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"
