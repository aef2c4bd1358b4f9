"""Option values are checked up front; a bad one is a one-line usage error naming its source."""

from __future__ import annotations

import json

import pytest
from punie_pytester import call, mini_project, run, setup_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]

BAD_OPTIONS = [
    (["--model", "/nonexistent/model"], {}, "--model: /nonexistent/model does not exist"),
    ([], {"PUNIE_MODEL": "/nonexistent/env-model"}, "PUNIE_MODEL: /nonexistent/env-model does not exist"),
    (["--queries", "missing.json"], {}, "--queries: missing.json does not exist"),
    ([], {"PUNIE_QUERIES": "missing.json"}, "PUNIE_QUERIES: missing.json does not exist"),
    (["--min-strict", "1.5"], {}, "--min-strict must be between 0 and 1, got 1.5"),
    (["--min-strict", "high"], {}, "--min-strict must be a number between 0 and 1, got 'high'"),
    (["--max-tokens", "0"], {}, "--max-tokens must be a positive integer, got 0"),
    (["--backend", "vllm"], {}, "--backend must be one of mlx, openai, replay; got 'vllm'"),
    (
        ["--backend", "replay"],
        {},
        "--backend replay needs --replay FILE (JSONL of recorded responses or a results file)",
    ),
    (["--backend", "openai"], {}, "--backend openai needs --base-url URL (e.g. http://127.0.0.1:8080/v1)"),
    (
        ["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1"],
        {},
        "--model must name the model the server serves (a folder or a model id), got nothing",
    ),
    (["--base-url", "http://127.0.0.1:9/v1"], {}, "--base-url is for the openai backend, got it with --backend mlx"),
    (["--floor", "single_tool"], {}, "--floor must be CATEGORY=VALUE, got 'single_tool'"),
    (
        ["--floor", "bogus=0.5"],
        {},
        "--floor category must be one of direct_answers, single_tool, tool_identity, "
        "field_access, cross_tool, edge_cases, multi_turn; got 'bogus'",
    ),
    (["--floor", "cross_tool=2"], {}, "--floor cross_tool must be between 0 and 1, got 2"),
    (["--baseline", "nope.json"], {}, "--baseline: nope.json does not exist"),
]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    BAD_OPTIONS,
    ids=[
        "model-missing",
        "env-model-missing",
        "queries-missing",
        "env-queries-missing",
        "min-strict-range",
        "min-strict-text",
        "max-tokens-zero",
        "backend-unknown",
        "replay-without-file",
        "openai-without-url",
        "openai-without-model",
        "base-url-with-mlx",
        "floor-no-equals",
        "floor-unknown-category",
        "floor-range",
        "baseline-missing",
    ],
)
def test_plugin_options_bad_value_is_one_line_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], message: str
) -> None:
    """A bad value exits with status 4 and exactly one ERROR line, no traceback."""
    setup_project(pytester, monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run(pytester, "--collect-only", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [f"ERROR: {message}"]


def test_plugin_options_ini_model_is_named_in_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ini key punie_model is used when neither --model nor PUNIE_MODEL is given, and named in its error."""
    setup_project(pytester, monkeypatch)
    pytester.makefile(".ini", pytest="[pytest]\nstrict = true\npunie_model = /nonexistent/ini-model\n")
    result = run(pytester, "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: punie_model: /nonexistent/ini-model does not exist"])


def test_plugin_options_cli_beats_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """--model on the command line wins over PUNIE_MODEL."""
    setup_project(pytester, monkeypatch)
    monkeypatch.setenv("PUNIE_MODEL", "/nonexistent/env-model")
    result = run(pytester, "--collect-only", "--model", "/nonexistent/cli-model")
    result.stderr.fnmatch_lines(["ERROR: --model: /nonexistent/cli-model does not exist"])


def test_plugin_options_invalid_suite_names_file_and_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suite file that breaks its schema is a usage error naming file:line and the field."""
    setup_project(pytester, monkeypatch)
    pytester.path.joinpath("bad.json").write_text('{\n  "suite": "x"\n}\n', encoding="utf-8")
    result = run(pytester, "--collect-only", "--queries", "bad.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: bad.json:1: <root>: 'version' is a required property"])


def test_plugin_options_system_prompt_from_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """--system-prompt @FILE asks under the file's text; it is in the results metadata and changes the fingerprint."""
    base = mini_project(pytester, monkeypatch)
    pytester.path.joinpath("prompt.txt").write_text("You write Python that calls typed tools.\n", encoding="utf-8")
    run(pytester, *base, "--results", "plain.json")
    run(pytester, *base, "--system-prompt", "@prompt.txt", "--results", "other.json")
    plain, other = (
        json.loads((pytester.path / f"{n}.json").read_text())["metadata"]["suite"] for n in ("plain", "other")
    )
    assert other["system_prompt"] == "You write Python that calls typed tools."
    assert plain["system_prompt"] == "You are Punie, a coding assistant."
    assert other["fingerprint"] != plain["fingerprint"]


@pytest.mark.parametrize(
    ("value", "message"),
    [("@missing.txt", "--system-prompt: missing.txt does not exist"), ("  ", "--system-prompt must be a non-empty")],
    ids=["missing-file", "blank"],
)
def test_plugin_options_bad_system_prompt(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    """A missing prompt file or a blank prompt is one usage error."""
    setup_project(pytester, monkeypatch)
    result = run(pytester, "--collect-only", f"--system-prompt={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}*"])


@pytest.mark.parametrize(("think", "ret"), [("fail", 1), ("strip", 0)])
def test_plugin_options_think_policy(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, think: str, ret: int
) -> None:
    """--think strip scores a thinking model's answer after its <think> block; by default it fails (think_leak)."""
    base = mini_project(pytester, monkeypatch)
    answer = "<think>git_status, then print clean</think>\n" + call('result = git_status(".")\nprint(result.clean)')
    pytester.path.joinpath("think.jsonl").write_text(json.dumps({"id": "status", "responses": [answer]}) + "\n")
    args = [a if a != "replay.jsonl" else "think.jsonl" for a in base]
    result = run(pytester, *args, "-k", "status", f"--think={think}")
    assert result.ret == ret
