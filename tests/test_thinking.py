"""Thinking models: --think strip scores the answer after a leading <think> block, and
--chat-template-args reaches the chat template (in process) and the server (as chat_template_kwargs)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from punie_eval import Decoding, RunTarget, evaluate, score_response
from punie_eval.generation.backends.mlx_backend import MlxBackend
from punie_eval.paths import reference_model_dir
from punie_eval.scoring.parsing import strip_leading_think

CODE = 'r = git_status(".")\nprint(r.clean)'
CALL = f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{CODE}\n</parameter>\n</function>\n</tool_call>"
THOUGHT = "<think>\nThe user wants the status: git_status, then print clean.\n</think>\n\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (THOUGHT + CALL, CALL),
        ("  <think>a</think>answer", "answer"),
        ("<think>never closed " + CALL, "<think>never closed " + CALL),
        ("answer <think>later</think>", "answer <think>later</think>"),
        (CALL, CALL),
    ],
    ids=["leading-block", "leading-whitespace", "unclosed", "not-first", "no-block"],
)
def test_thinking_strip_removes_one_leading_complete_block(text: str, expected: str) -> None:
    """Only one leading, complete <think> block is removed; anything else is left as it is."""
    assert strip_leading_think(text) == expected


def test_thinking_strip_scores_the_answer_and_keeps_the_raw_text() -> None:
    """With --think strip the call after the reasoning passes strict; the record keeps the raw response."""
    record = score_response("st_git_status", THOUGHT + CALL, think="strip")
    assert (record.strict, record.turns[0].response) == (True, THOUGHT + CALL)


def test_thinking_fail_is_a_format_failure() -> None:
    """By default the same answer is a think_leak format failure."""
    record = score_response("st_git_status", THOUGHT + CALL)
    assert not record.strict
    assert record.turns[0].diagnosis.format_failure


def test_thinking_unclosed_block_stays_a_format_failure_when_stripping() -> None:
    """An unclosed <think> block is not stripped: still a format failure."""
    record = score_response("st_git_status", "<think>hmm " + CALL, think="strip")
    assert not record.strict
    assert record.turns[0].diagnosis.format_failure


THINKING_PROMPT = (
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif -%}"
)


@pytest.fixture(scope="module")
def thinking_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference model with Qwen3's template ending: unless thinking is enabled, an empty think block is
    pre-filled (mlx_lm passes enable_thinking=False by default to a tokenizer without think tokens)."""
    model = tmp_path_factory.mktemp("thinking") / "model"
    shutil.copytree(reference_model_dir(), model)
    config = json.loads((model / "tokenizer_config.json").read_text())
    template = config["chat_template"].rstrip()
    last = template.rfind("{%- if add_generation_prompt")
    config["chat_template"] = template[:last] + THINKING_PROMPT
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    return model


@pytest.mark.slow  # loads a model
def test_thinking_template_args_reach_the_chat_template(thinking_model: Path, tmp_path: Path) -> None:
    """{"enable_thinking": true} changes the rendered prompt, the decoding metadata and the cache key."""
    conversation = [{"role": "system", "content": "s"}, {"role": "user", "content": "Show the git status"}]
    plain = MlxBackend(thinking_model).render(conversation)
    thinking = MlxBackend(thinking_model, template_args={"enable_thinking": True}).render(conversation)
    assert len(plain) > len(thinking)
    assert plain[: len(thinking)] == thinking
    decoding = Decoding(max_tokens=32, chat_template_args={"enable_thinking": True})
    target = RunTarget.local(thinking_model)
    first = evaluate(None, target, Decoding(max_tokens=32), queries=["st_git_status"], cache=tmp_path, progress=None)
    second = evaluate(None, target, decoding, queries=["st_git_status"], cache=tmp_path, progress=None)
    assert second.metadata["decoding"]["chat_template_args"] == {"enable_thinking": True}
    assert (first.metadata["model_loads"], second.metadata["model_loads"]) == (1, 1)  # not served from the cache
