"""Each data contract catches its violation: in the mixed corpus, or in a line built to break it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from punie_eval.jsonl import write_jsonl
from punie_eval.paths import data_dir
from punie_eval.queries import guarded_suites, load_suite
from punie_eval.registry import load_registry
from punie_eval.training.contracts import Violation, check_files
from punie_eval.training.corpus import SYSTEM_PROMPT
from punie_eval.training.corpus.builders import tool_call
from punie_eval.training.leakage import LeakIndex

CORPUS = data_dir() / "corpus"


@cache
def _corpus_violations(variant: str) -> tuple[Violation, ...]:
    suite = load_suite()
    index = LeakIndex.of_suites(*guarded_suites())
    files = sorted((CORPUS / variant).glob("*.jsonl"))
    return tuple(check_files(files, load_registry(), system_prompt=suite.system_prompt, leak_index=index))


@pytest.mark.slow  # reads the whole 15,000-example corpus
@pytest.mark.parametrize("contract", ["preambles", "announcements", "tool_results", "duplicates"])
def test_contracts_catch_mixed_corpus_inconsistency(contract: str) -> None:
    """The mixed corpus breaks the preamble, announce, tool-role and duplicate contracts."""
    assert any(v.contract == contract for v in _corpus_violations("mixed"))


@pytest.mark.slow  # reads the whole 15,000-example corpus
def test_contracts_pass_on_clean_corpus() -> None:
    """The committed cleaned corpus keeps every contract."""
    assert _corpus_violations("clean") == ()


def _line(assistant: str, user: str = "Lint src/") -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


GOOD = tool_call('result = ruff_check("src/")\nprint(result.violation_count)', False)


@pytest.mark.parametrize(
    ("line", "contract", "detail"),
    [
        ({"messages": [{"role": "asistant", "content": "x"}]}, "schema", "messages[0].role must be one of"),
        (
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]},
            "system_prompt",
            "messages[0] must be",
        ),
        (_line(GOOD.replace("execute_code", "run_code")), "calls", "malformed call"),
        (_line(tool_call("result = ruff_check(", False)), "calls", "does not parse"),
        (_line(tool_call('print(lint_everything("src/"))', False)), "tools", "unknown tool 'lint_everything'"),
        (
            _line(tool_call('print(goto_definition("a.py").locations)', False)),
            "arguments",
            "goto_definition must get line, column, symbol",
        ),
        (
            _line(tool_call('print(git_log(".", count="5").commit_count)', False)),
            "arguments",
            "count=...) must be integer",
        ),
        (
            _line(tool_call('for f in git_status(".").files:\n    print(f.branch)', False)),
            "fields",
            "GitFileStatus.branch",
        ),
        (_line(GOOD.replace("</tool_call>", "")), "tags", "<tool_call> opened 1 time(s), closed 0"),
        (_line(GOOD, user="Show the current git status"), "leakage", "exact match"),
        (_line(GOOD, user="Could you show the current git status, thanks?"), "leakage", "wrapped match"),
    ],
    ids=[
        "schema",
        "system-prompt",
        "wrong-function",
        "syntax",
        "unknown-tool",
        "missing-args",
        "arg-type",
        "bad-field",
        "tags",
        "leak-exact",
        "leak-near",
    ],
)
def test_contracts_catch_broken_line(tmp_path: Path, line: dict[str, Any], contract: str, detail: str) -> None:
    """A line built to break one contract is reported under it, with file:line and the field."""
    write_jsonl(tmp_path / "train.jsonl", [line])
    index = LeakIndex([("st_git_status", "Show the current git status")])
    found = [
        v
        for v in check_files([tmp_path / "train.jsonl"], load_registry(), system_prompt=SYSTEM_PROMPT, leak_index=index)
        if v.contract == contract
    ]
    assert found
    assert found[0].where == f"{tmp_path / 'train.jsonl'}:1"
    assert detail in found[0].detail


def _under(prompt: str, user: str) -> dict[str, Any]:
    line = _line(GOOD, user=user)
    line["messages"][0]["content"] = prompt
    return line


@pytest.mark.parametrize(
    ("prompts", "expected"),
    [
        (["You are a coding agent.", "Be brief."], ["train.jsonl:1"]),
        (["You are a coding agent.", SYSTEM_PROMPT], []),
        ([SYSTEM_PROMPT, SYSTEM_PROMPT], []),
    ],
    ids=["none-under-the-suite-prompt", "mixed-prompts", "all-under-the-suite-prompt"],
)
def test_contracts_system_prompt_needs_the_suite_prompt_in_the_file(
    tmp_path: Path, prompts: list[str], expected: list[str]
) -> None:
    """Other system prompts beside the suite's are allowed; a file that never uses the suite's gets one violation."""
    write_jsonl(tmp_path / "train.jsonl", [_under(p, f"Lint src/mod{i}/") for i, p in enumerate(prompts)])
    found = list(check_files([tmp_path / "train.jsonl"], load_registry(), system_prompt=SYSTEM_PROMPT))
    assert [v.where.rsplit("/", 1)[1] for v in found if v.contract == "system_prompt"] == expected
    assert all("evaluated under" in v.detail for v in found if v.contract == "system_prompt")


def test_contracts_find_train_valid_overlap(tmp_path: Path) -> None:
    """A valid example that is also in train breaks the duplicates contract in valid."""
    write_jsonl(tmp_path / "train.jsonl", [_line(GOOD)])
    write_jsonl(tmp_path / "valid.jsonl", [_line(GOOD)])
    found = check_files([tmp_path / "valid.jsonl", tmp_path / "train.jsonl"], load_registry())
    assert [(v.contract, v.where.rsplit("/", 1)[1], v.detail) for v in found] == [
        ("duplicates", "valid.jsonl:1", "also in train (train/valid overlap)")
    ]


@pytest.mark.parametrize(
    ("query_id", "rewrite", "rule"),
    [
        ("ho_da_slots", str, "exact"),
        ("ho_st_unit_tests", lambda p: f"Hello, could you please do this: {p.upper()} Many thanks!", "wrapped"),
        ("ho_st_lookup_retry_policy", lambda p: p.replace("RetryPolicy", "BackoffTimer"), "template"),
        ("da_protocol_vs_abc", str, "exact"),
    ],
    ids=["heldout-exact", "heldout-wrapped", "heldout-template", "main-exact"],
)
def test_contracts_report_a_training_prompt_copying_either_guarded_suite(
    tmp_path: Path, query_id: str, rewrite: Callable[[str], str], rule: str
) -> None:
    """A training prompt copying a held-out (or main) query, verbatim or near, breaks the leakage contract."""
    prompts = {q.id: q.prompt for suite in guarded_suites() for q in suite.queries}
    write_jsonl(tmp_path / "train.jsonl", [_line(GOOD, user=rewrite(prompts[query_id]))])
    index = LeakIndex.of_suites(*guarded_suites())
    found = [
        v.detail
        for v in check_files([tmp_path / "train.jsonl"], load_registry(), system_prompt=SYSTEM_PROMPT, leak_index=index)
        if v.contract == "leakage"
    ]
    assert len(found) == 1
    assert found[0].startswith(f"{rule} match")
    assert f"eval query {query_id}:" in found[0]
