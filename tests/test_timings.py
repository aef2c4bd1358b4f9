"""Timing in the results: each conversation's seconds and tokens, the run's totals and tokens/s in the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval import RunTarget, evaluate
from punie_eval.evaluation.conclude import conclude
from punie_eval.evaluation.result import RunResult
from punie_eval.evaluation.target import Decoding
from punie_eval.paths import reference_model_dir
from punie_eval.queries import load_suite

pytestmark = pytest.mark.slow
IDS = ["st_git_status", "mt_ruff_summary", "da_protocol_vs_abc"]


def test_timings_per_conversation_and_totals(tmp_path: Path) -> None:
    """Every generated turn has tokens and seconds; metadata totals them; a cached re-run generated nothing."""
    suite = load_suite()
    result = evaluate(suite, RunTarget.local(reference_model_dir()), Decoding(max_tokens=64), queries=IDS,
                      cache=tmp_path, progress=None)  # fmt: skip
    turns = [t for r in result.records for t in r.turns]
    assert all(t.tokens and t.seconds and t.seconds > 0 for t in turns)
    timings = result.metadata["timings"]
    assert timings["tokens"] == sum(t.tokens or 0 for t in turns)
    assert timings["generated"] == len(turns)
    assert timings["tokens_per_s"] > 0
    done = conclude(result, suite, results=tmp_path / "r.json")
    line = f"generation: {len(turns)} conversations, {timings['tokens']:,} tokens in "
    assert any(text.startswith(line) and text.endswith(" tok/s)") for text in done.lines)
    assert [t.seconds for r in RunResult.read(tmp_path / "r.json").records for t in r.turns] == [
        t.seconds for t in turns
    ]
    cached = evaluate(suite, RunTarget.local(reference_model_dir()), Decoding(max_tokens=64), queries=IDS,
                      cache=tmp_path, progress=None)  # fmt: skip
    assert (cached.metadata["timings"]["generated"], cached.metadata["timings"]["tokens"]) == (0, 0)
