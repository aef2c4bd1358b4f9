"""Cleaning chat JSONL: each kind of change, safety of the output, and properties over generated data."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punie_eval.cli import main
from punie_eval.errors import UsageError
from punie_eval.generation.prompts import tool_response
from punie_eval.jsonl import load_chat, write_jsonl
from punie_eval.registry import load_registry
from punie_eval.scoring.parsing import parse_response, well_formed
from punie_eval.training.clean import KINDS, Report, clean_dir, clean_messages
from punie_eval.training.corpus.builders import tool_call

SYSTEM = {"role": "system", "content": "sys"}
CALL = tool_call('result = git_status(".")\nprint(result.clean)', compact=False)
RESULT = tool_response("GitStatusResult(success=True, clean=True, file_count=0, files=[], parse_error=None)")


def _example(*messages: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [SYSTEM, *({"role": r, "content": c} for r, c in messages)]}


def _clean(
    tmp_path: Path, train: list[dict[str, Any]], valid: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, list[Any]]:
    src, out = tmp_path / "in", tmp_path / "out"
    write_jsonl(src / "train.jsonl", train)
    if valid is not None:
        write_jsonl(src / "valid.jsonl", valid)
    clean_dir(src, out, force=True, **kw)
    return {p.stem: [r.value for r in load_chat(p)] for p in sorted(out.glob("*.jsonl"))}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([("user", "q"), ("assistant", "Let me investigate.\n\n" + CALL)], [("user", "q"), ("assistant", CALL)]),
        (
            [
                ("user", "q"),
                ("assistant", "I'll get the git status."),
                ("user", "Show me the results."),
                ("assistant", CALL),
            ],
            [("user", "q"), ("assistant", CALL)],
        ),
        (
            [("user", "q"), ("assistant", CALL), ("tool", RESULT), ("assistant", "Clean.")],
            [("user", "q"), ("assistant", CALL), ("user", RESULT), ("assistant", "Clean.")],
        ),
        (
            [("user", "q"), ("assistant", CALL), ("tool", "raw result"), ("assistant", "Done.")],
            [
                ("user", "q"),
                ("assistant", CALL),
                ("user", "<tool_response>\nraw result\n</tool_response>"),
                ("assistant", "Done."),
            ],
        ),
        ([("user", "What is a closure?"), ("assistant", "I'll explain: a closure keeps variables.")], None),
    ],
    ids=["preamble", "announce-then-stop", "tool-role-wrapped", "tool-role-raw", "prose-untouched"],
)
def test_clean_rewrites_messages(
    tmp_path: Path, messages: list[tuple[str, str]], expected: list[tuple[str, str]] | None
) -> None:
    """Each kind of inconsistency is rewritten to the consistent form; prose is left alone."""
    out = _clean(tmp_path, [_example(*messages)])
    assert out["train"] == [_example(*(expected if expected is not None else messages))]


def test_clean_drops_duplicates_and_overlap(tmp_path: Path) -> None:
    """Exact duplicates in train and valid examples also in train are dropped."""
    a, b, c = (_example(("user", q), ("assistant", CALL)) for q in "abc")
    out = _clean(tmp_path, [a, b, a], [c, b, c])
    assert out == {"train": [a, b], "valid": [c]}


def test_clean_only_preambles_changes_nothing_else(tmp_path: Path) -> None:
    """--only preambles is the seed's fix alone: announcements, tool roles and duplicates stay."""
    announce = _example(
        ("user", "q"), ("assistant", "I'll check."), ("user", "Go."), ("assistant", "Let me look.\n" + CALL)
    )
    tool = _example(("user", "q"), ("assistant", CALL), ("tool", RESULT), ("assistant", "ok"))
    out = _clean(tmp_path, [announce, tool, tool], only=["preambles"])
    announce["messages"][4]["content"] = CALL
    assert out["train"] == [announce, tool, tool]


def test_clean_refuses_existing_output(tmp_path: Path) -> None:
    """An existing output file is not replaced without --force."""
    write_jsonl(tmp_path / "in" / "train.jsonl", [_example(("user", "q"), ("assistant", "a"))])
    write_jsonl(tmp_path / "out" / "train.jsonl", [])
    with pytest.raises(UsageError, match="output exists; pass --force"):
        clean_dir(tmp_path / "in", tmp_path / "out")


def test_clean_refuses_input_as_output(tmp_path: Path) -> None:
    """The output folder may not be the input folder."""
    write_jsonl(tmp_path / "in" / "train.jsonl", [_example(("user", "q"), ("assistant", "a"))])
    with pytest.raises(UsageError, match="must differ from the input"):
        clean_dir(tmp_path / "in", tmp_path / "in", force=True)


def test_clean_command_prints_changes_per_kind_and_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command reports counts per kind and per tool."""
    write_jsonl(tmp_path / "in" / "train.jsonl", [_example(("user", "q"), ("assistant", "Let me see.\n" + CALL))])
    assert main(["clean", str(tmp_path / "in"), str(tmp_path / "out")]) == 0
    assert "preambles    git_status             1" in capsys.readouterr().out


def test_clean_remove_preambles_script_is_preambles_only(tmp_path: Path) -> None:
    """scripts/remove_preambles.py runs the seed's fix (a thin wrapper over clean --only preambles)."""
    import runpy
    import sys

    write_jsonl(
        tmp_path / "in" / "train.jsonl",
        [_example(("user", "q"), ("assistant", "Sure.\n" + CALL)), _example(("user", "q"), ("assistant", CALL))],
    )
    argv, sys.argv = sys.argv, ["remove_preambles.py", str(tmp_path / "in"), str(tmp_path / "out")]
    try:
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_path(str(Path(__file__).parents[1] / "scripts" / "remove_preambles.py"), run_name="__main__")
    finally:
        sys.argv = argv
    assert exit_info.value.code == 0
    assert len(load_chat(tmp_path / "out" / "train.jsonl")) == 2  # duplicates kept


# ── properties over generated conversations ──────────────────────────────────
CODE = st.sampled_from(
    ['print(typecheck("src/").error_count)', 'r = git_log(".", count=3)\nprint(r.commit_count)', "x = 1"]
)
PREAMBLE = st.sampled_from(["", "Let me investigate.\n\n", "I'll look.\n", "  "])
CALL_MSG = st.builds(lambda p, c, compact: ("assistant", p + tool_call(c, compact)), PREAMBLE, CODE, st.booleans())
TURN = st.one_of(
    CALL_MSG,
    st.tuples(st.just("assistant"), st.sampled_from(["I'll run the tests.", "Prose answer.", "Let me check."])),
    st.tuples(st.sampled_from(["user", "tool"]), st.sampled_from(["q", RESULT, "Show me the results.", "raw"])),
)
EXAMPLES = st.lists(
    st.lists(TURN, min_size=1, max_size=6).map(lambda ts: _example(("user", "go"), *ts)), min_size=1, max_size=8
)
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _bodies(values: list[dict[str, Any]]) -> list[str]:
    out = []
    for value in values:
        for m in value["messages"]:
            if m["role"] == "assistant" and "<tool_call>" in m["content"]:
                out.append(m["content"][m["content"].index("<tool_call>") :])
    return out


@PROPS
@given(train=EXAMPLES)
def test_clean_never_modifies_input(tmp_path_factory: pytest.TempPathFactory, train: list[dict[str, Any]]) -> None:
    """The input files are byte for byte the same after cleaning."""
    tmp = tmp_path_factory.mktemp("p")
    write_jsonl(tmp / "in" / "train.jsonl", train)
    before = (tmp / "in" / "train.jsonl").read_bytes()
    clean_dir(tmp / "in", tmp / "out")
    assert (tmp / "in" / "train.jsonl").read_bytes() == before


def test_clean_removes_stacked_announcements(tmp_path: Path) -> None:
    """Two announce-then-stop turns before one call both come off in one pass (found by hypothesis)."""
    announce, nudge = ("assistant", "I'll run the tests."), ("user", "q")
    out = _clean(tmp_path, [_example(("user", "go"), announce, nudge, announce, nudge, ("assistant", CALL))])
    assert [m["content"] for m in out["train"][0]["messages"][1:]] == ["go", CALL]


@PROPS
@given(train=EXAMPLES)
def test_clean_is_idempotent(tmp_path_factory: pytest.TempPathFactory, train: list[dict[str, Any]]) -> None:
    """Cleaning cleaned data yields the same bytes."""
    tmp = tmp_path_factory.mktemp("p")
    write_jsonl(tmp / "in" / "train.jsonl", train)
    clean_dir(tmp / "in", tmp / "once")
    clean_dir(tmp / "once", tmp / "twice")
    assert (tmp / "twice" / "train.jsonl").read_bytes() == (tmp / "once" / "train.jsonl").read_bytes()


@PROPS
@given(train=EXAMPLES)
def test_clean_preserves_call_bodies(tmp_path_factory: pytest.TempPathFactory, train: list[dict[str, Any]]) -> None:
    """Every tool-call body that survives is byte for byte one of the input's bodies."""
    tmp = tmp_path_factory.mktemp("p")
    write_jsonl(tmp / "in" / "train.jsonl", train)
    clean_dir(tmp / "in", tmp / "out", only=["preambles"])
    out = [r.value for r in load_chat(tmp / "out" / "train.jsonl")]
    assert _bodies(out) == _bodies(train)
    assert json.dumps(out).count("<tool_call>") == json.dumps(train).count("<tool_call>")


# ── prose is never touched (issue 19) ────────────────────────────────────────
PROSE_ANSWERS = [
    'A package.json names the package:\n```json\n{"name": "demo", "version": "1.0.0"}\n```\nThen run npm install.',
    "Models answer with a <tool_call> block; the text before it is a preamble.",
    'Let me check.\n<tool_call>\nr = git_status(".")\nprint(r.clean)\n</tool_call>',  # first call is malformed
]


@pytest.mark.parametrize("content", PROSE_ANSWERS, ids=["json-fence", "tag-in-a-sentence", "malformed-call"])
def test_clean_leaves_prose_and_malformed_calls_byte_identical(tmp_path: Path, content: str) -> None:
    """Text is only stripped before a well-formed call: these messages come out unchanged."""
    out = _clean(tmp_path, [_example(("user", "q"), ("assistant", content))])
    assert out["train"][0]["messages"][2]["content"] == content


FRAGMENT = st.sampled_from(
    [
        "<tool_call>",
        "</tool_call>",
        "<function=execute_code>",
        "<function=run>",
        "</function>",
        "<parameter=code>",
        "</parameter>",
        "```json\n",
        "```",
        '{"name": "demo", "version": "1"}',
        '{"name": "git_status", "arguments": {"path": "."}}',
        'print(git_status(".").clean)',
        "Let me check.",
        "I'll run the tests.",
        " tags ",
        "`",
        "\n",
        " ",
    ]
)
CONVERSATION = st.lists(
    st.tuples(st.sampled_from(["user", "assistant"]), st.lists(FRAGMENT, max_size=8).map("".join)),
    min_size=1,
    max_size=5,
)


def _has_real_call(messages: list[dict[str, str]]) -> bool:
    return any(
        well_formed(call) for m in messages if m["role"] == "assistant" for call in parse_response(m["content"]).calls
    )


@settings(max_examples=300, deadline=None)
@given(turns=CONVERSATION)
def test_clean_changes_only_examples_with_a_real_call(turns: list[tuple[str, str]]) -> None:
    """Property: an example with no well-formed Code Mode call comes out of clean unchanged."""
    messages = [{"role": r, "content": c} for r, c in [("system", "sys"), ("user", "go"), *turns]]
    cleaned = clean_messages(messages, frozenset(KINDS), load_registry(), Report())
    assert cleaned == messages or _has_real_call(messages)


def _two_splits(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    write_jsonl(src / "train.jsonl", [_example(("user", "q"), ("assistant", "Let me see.\n" + CALL))])
    write_jsonl(src / "valid.jsonl", [_example(("user", "v"), ("assistant", CALL))])
    return src


def test_clean_failed_write_leaves_no_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full disk while writing valid.jsonl (injected ENOSPC) leaves no train.jsonl alone: one line, exit 2."""
    src, real_replace, calls = _two_splits(tmp_path), os.replace, []

    def second_fails(a: str, b: str) -> None:
        calls.append(b)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(a, b)

    monkeypatch.setattr(os, "replace", second_fails)
    assert main(["clean", str(src), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    expected = f"{tmp_path / 'out'}: output could not be written (No space left on device); nothing was written"
    assert err == f"punie-eval clean: error: {expected}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_clean_force_replaces_the_output_folder_whole(tmp_path: Path) -> None:
    """With --force a previous output is replaced by the new folder in one rename; no staging folder remains."""
    src, out = _two_splits(tmp_path), tmp_path / "out"
    write_jsonl(out / "train.jsonl", [])
    write_jsonl(out / "valid.jsonl", [])
    clean_dir(src, out, force=True)
    assert [len(load_chat(out / n)) for n in ("train.jsonl", "valid.jsonl")] == [1, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda out: out.write_text("x"), "output must be a folder, got a file"),
        (
            lambda out: (out.mkdir(), (out / "notes.txt").write_text("mine")),
            "output folder must be new or hold only the files clean writes (it is replaced whole), got ['notes.txt']",
        ),
    ],
    ids=["output-is-a-file", "output-holds-other-files"],
)
def test_clean_refuses_an_output_it_cannot_replace_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prepare: Any, message: str
) -> None:
    """An output path that is a file, or a folder holding other files, is refused with one line and left as it was."""
    src, out = _two_splits(tmp_path), tmp_path / "out"
    prepare(out)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(["clean", str(src), str(out), "--force"]) == 2
    assert capsys.readouterr().err == f"punie-eval clean: error: {out}: {message}\n"
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_clean_symlinked_output_is_written_through(tmp_path: Path) -> None:
    """OUT_DIR as a symlink to a folder: the link is kept and the folder it names receives the cleaned files."""
    src, real = _two_splits(tmp_path), tmp_path / "datasets" / "v2"
    real.parent.mkdir()
    (tmp_path / "out").symlink_to(real)
    clean_dir(src, tmp_path / "out")
    assert (tmp_path / "out").is_symlink()
    assert sorted(p.name for p in real.iterdir()) == ["train.jsonl", "valid.jsonl"]
