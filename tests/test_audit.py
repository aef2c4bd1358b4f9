"""The training-data audit: the seed's per-tool preamble table and the contract verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from punie_eval.cli import main
from punie_eval.jsonl import write_jsonl
from punie_eval.paths import data_dir
from punie_eval.registry import load_registry
from punie_eval.scoring.diagnosis import diagnose
from punie_eval.scoring.parsing import parse_response
from punie_eval.training.audit import audit_files
from punie_eval.training.corpus.builders import tool_call
from punie_eval.training.leakage import LeakIndex

SYSTEM = {"role": "system", "content": "sys"}


def _example(*messages: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [SYSTEM, *({"role": r, "content": c} for r, c in messages)]}


def _audit(tmp_path: Path, records: list[dict[str, Any]]) -> Any:
    write_jsonl(tmp_path / "train.jsonl", records)
    return audit_files([tmp_path / "train.jsonl"], load_registry())


@pytest.mark.parametrize(
    ("content", "tool", "calls", "preamble"),
    [
        ("Let me look.\n" + tool_call('r = ruff_check("src/")\nt = typecheck("src/")', False), "ruff_check", 1, 1),
        ("Let me look.\n" + tool_call('r = ruff_check("src/")\nt = typecheck("src/")', False), "typecheck", 1, 1),
        (tool_call('a = git_status(".")\nb = git_status("src")', True), "git_status", 1, 0),
        (tool_call("x = unknown_tool(1)\nprint(x)", True), "unknown_tool", 0, 0),
    ],
    ids=["two-tools-first", "two-tools-second", "same-tool-twice-counts-once", "unknown-not-in-table"],
)
def test_audit_counts_message_once_per_distinct_tool(
    tmp_path: Path, content: str, tool: str, calls: int, preamble: int
) -> None:
    """A tool-call message counts once for each distinct known tool its code calls."""
    row = _audit(tmp_path, [_example(("user", "q"), ("assistant", content))]).tools.get(tool)
    assert ((row.calls, row.preamble) if row else (0, 0)) == (calls, preamble)


def test_audit_counts_announce_then_stop(tmp_path: Path) -> None:
    """An announcement, a nudge and then the call count as an announce-then-stop turn of that tool."""
    call = tool_call('print(typecheck("src/").error_count)', False)
    audit = _audit(
        tmp_path,
        [
            _example(
                ("user", "q"),
                ("assistant", "I'll run the type checker."),
                ("user", "Show me the results."),
                ("assistant", call),
            )
        ],
    )
    assert (audit.tools["typecheck"].announced, audit.counts["announcements"]) == (1, 1)


def test_audit_reports_roles_and_double_wrapping(tmp_path: Path) -> None:
    """Roles are counted and tool-role messages already wrapped are flagged as double wrapping."""
    call = tool_call('print(git_status(".").clean)', False)
    audit = _audit(
        tmp_path,
        [
            _example(
                ("user", "q"),
                ("assistant", call),
                ("tool", "<tool_response>\nx\n</tool_response>"),
                ("assistant", "ok"),
            )
        ],
    )
    assert (dict(audit.roles), audit.double_wrapped) == ({"system": 1, "user": 1, "assistant": 2, "tool": 1}, 1)


@pytest.mark.parametrize(
    ("prompt", "rule"),
    [
        ("Show the current git status", "exact"),
        ("show the current git status!!", "exact"),
        ("Show the curent git status", "edit"),
        ("Can you show the current git status for me, thanks?", "wrapped"),
        ("Go to the definition of parse_args, called at src/app/cli.py line 7, column 3.", "template"),
        ("What's the git status?", None),
        ("git status", None),
        ("Show me the status of the repository", None),
    ],
    ids=[
        "exact",
        "exact-punctuation",
        "typo",
        "polite-wrapper",
        "slot-swap",
        "other-phrasing",
        "short-subset",
        "same-intent",
    ],
)
def test_audit_leakage_rules(prompt: str, rule: str | None) -> None:
    """Exact, edited, wrapped and slot-swapped eval prompts leak; other phrasings of the intent do not."""
    index = LeakIndex(
        [
            ("st_git_status", "Show the current git status"),
            (
                "st_goto",
                "Go to the definition of load_config, called at src/punie/agent/factory.py line 42, column 15.",
            ),
        ]
    )
    leak = index.check(prompt)
    assert (leak.rule if leak else None) == rule


@pytest.mark.slow  # reads the whole 15,000-example corpus
@pytest.mark.parametrize(("variant", "code"), [("mixed", 1), ("clean", 0)])
def test_audit_command_exit_status(variant: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    """The audit exits 1 on the mixed corpus (contracts broken) and 0 on the cleaned one."""
    assert main(["audit", str(data_dir() / "corpus" / variant)]) == code
    assert "goto_definition" in capsys.readouterr().out


@pytest.mark.slow  # reads the whole 15,000-example corpus
def test_audit_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the table and contract counts as JSON."""
    main(["audit", str(data_dir() / "corpus" / "mixed"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert (doc["tools"]["typecheck"]["with_preamble"], doc["ok"], doc["contracts"]["leakage"]) == (0, False, 0)


def test_audit_command_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing path is a one-line error with exit status 2."""
    assert main(["audit", str(tmp_path / "nope.jsonl")]) == 2
    assert "path does not exist" in capsys.readouterr().err


def test_audit_agrees_with_diagnose_on_multiple_calls(tmp_path: Path) -> None:
    """Two calls with text between them break the calls contract, as diagnose calls them multiple_calls."""
    first, second = (
        tool_call('print(git_status(".").clean)', False),
        tool_call('print(git_log(".").commit_count)', False),
    )
    content = f"{first}\nAnd the log:\n{second}"
    audit = _audit(tmp_path, [_example(("user", "q"), ("assistant", content))])
    label = diagnose(parse_response(content), expect_tool=True).label
    assert (label, [v.detail for v in audit.violations if v.contract == "calls"]) == (
        "multiple_calls",
        ["messages[2] must make one tool call, got 2"],
    )


@pytest.mark.parametrize(
    "content",
    [
        'A minimal package.json:\n```json\n{"name": "demo", "version": "1.0.0"}\n```\nThat is all.',
        "The model wraps its code in <tool_call> tags, then stops.",
    ],
    ids=["json-fence", "tag-in-a-sentence"],
)
def test_audit_prose_with_fence_or_tag_mention_is_no_malformed_call(tmp_path: Path, content: str) -> None:
    """A prose answer showing a JSON fence or naming <tool_call> breaks no calls contract."""
    audit = _audit(tmp_path, [_example(("user", "q"), ("assistant", content))])
    assert [v for v in audit.violations if v.contract in ("calls", "preambles")] == []


@pytest.mark.parametrize(("queries", "code"), [(None, 1), ("queries.json", 0)])
def test_audit_command_guards_the_heldout_suite_by_default(
    tmp_path: Path, queries: str | None, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --queries a copied held-out prompt is leakage; with --queries FILE only that suite counts."""
    prompt = "Does src/punie/tools/ pass the linter?"  # ho_st_lint_tools
    write_jsonl(tmp_path / "train.jsonl", [_example(("user", prompt), ("assistant", tool_call('ruff_check("src/")')))])
    extra = ["--queries", str(data_dir() / queries)] if queries else []
    main(["audit", str(tmp_path / "train.jsonl"), "--json", *extra])  # exit 1 either way: "sys" is not the prompt
    doc = json.loads(capsys.readouterr().out)
    assert doc["contracts"]["leakage"] == code
