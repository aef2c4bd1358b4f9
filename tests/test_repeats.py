"""Repeats of a sampled run: pass@k and pass^k, the summary over outcomes, compare on pass rates, options."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from results_builder import Q, results

from punie_eval.errors import UsageError
from punie_eval.evaluation.result import QueryRecord, RunResult
from punie_eval.evaluation.target import Decoding, RunTarget, check_sampling
from punie_eval.options import Generation, Sampling, Setting, build_options
from punie_eval.paths import reference_model_dir
from punie_eval.reporting.compare import IncomparableRunsError, Verdict, compare
from punie_eval.reporting.repeats import pass_at_k, pass_hat_k, repeat_stats


@pytest.mark.parametrize(
    ("n", "c", "k", "at", "hat"),
    [
        (5, 2, 2, 1 - 3 / 10, 1 / 10),
        (5, 5, 5, 1.0, 1.0),
        (5, 0, 1, 0.0, 0.0),
        (4, 3, 1, 3 / 4, 3 / 4),
        (4, 3, 4, 1.0, 0.0),
    ],
    ids=["2-of-5-at-2", "all", "none", "k1-is-the-rate", "k-equals-n"],
)
def test_repeats_pass_at_and_pass_hat_k(n: int, c: int, k: int, at: float, hat: float) -> None:
    """pass@k = 1 - C(n-c,k)/C(n,k) and pass^k = C(c,k)/C(n,k), exactly."""
    assert math.isclose(pass_at_k(n, c, k), at)
    assert math.isclose(pass_hat_k(n, c, k), hat)


def test_repeats_estimates_match_exhaustive_subsets() -> None:
    """The estimators equal the share of k-subsets of the n draws with any / every draw passing."""
    from itertools import combinations

    draws = [True, False, True, True, False, False]
    n, c = len(draws), sum(draws)
    for k in range(1, n + 1):
        subsets = list(combinations(draws, k))
        assert math.isclose(pass_at_k(n, c, k), sum(any(s) for s in subsets) / len(subsets))
        assert math.isclose(pass_hat_k(n, c, k), sum(all(s) for s in subsets) / len(subsets))


def test_repeats_bad_arguments_raise() -> None:
    """k outside 1..n or c outside 0..n is a ValueError, not a wrong number."""
    with pytest.raises(ValueError, match="1 <= k <= n"):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError, match="0 <= c <= n"):
        pass_hat_k(3, 4, 1)


def _repeated(queries: Sequence[tuple[str, str, Sequence[bool]]], **kwargs: Any) -> dict[str, Any]:
    """A results document whose queries each have K repeats with these strict outcomes."""
    doc = results([Q(qid, cat, all(outs)) for qid, cat, outs in queries], **kwargs)
    k = len(queries[0][2])
    doc["metadata"]["repeats"] = k
    for query, (_, _, outs) in zip(doc["queries"], queries, strict=True):
        query["turns"][0]["diagnosis"] = {"label": "ok", "detail": "", "format_failure": False}
        query["repeats"] = [
            {
                "repeat": i,
                "soft": True,
                "strict": ok,
                "failure": None if ok else "identity: no",
                "turns": query["turns"],
            }
            for i, ok in enumerate(outs)
        ]
    return doc


def test_repeats_records_round_trip_and_count_outcomes() -> None:
    """A repeated record keeps its K outcomes through JSON; repeat_stats counts outcomes and queries."""
    doc = _repeated([("a", "single_tool", [True, True, False]), ("b", "single_tool", [True, True, True])])
    records = [QueryRecord.from_json(q) for q in doc["queries"]]
    assert [r.strict_passes for r in records] == [2, 3]
    assert [QueryRecord.from_json(r.to_json()) for r in records] == records
    stats = repeat_stats("single_tool", records)
    assert (str(stats.pass_rate), str(stats.every_time), str(stats.at_least_once)) == (
        "5/6 (83.3%)",
        "1/2 (50.0%)",
        "2/2 (100.0%)",
    )
    assert math.isclose(stats.pass_hat[2], (1 / 3 + 1) / 2)


def test_repeats_summary_counts_every_outcome() -> None:
    """The summary (and so the gate) rates strict over queries x K, and reports pass^k and pass@k."""
    from punie_eval.evaluation.conclude import GatePolicy, summarize
    from punie_eval.queries import load_suite

    suite = load_suite()
    ids = [q.id for q in suite.queries]
    doc = _repeated([(qid, suite.by_id()[qid].category, [True, i % 2 == 0]) for i, qid in enumerate(ids)])
    result, lines, gate = summarize(RunResult.from_json(doc), suite, GatePolicy(enabled=True, min_strict=0.7))
    assert result.summary["overall"] == {"n": 114, "soft": 114, "strict": 86}
    assert result.summary["repeats"]["overall"]["pass_hat_k"]["passed"] == 29
    assert gate is not None
    assert gate.reasons == ("single_tool strict 15/20 (75.0%) is below its floor 80.0%",)
    assert any(line.startswith("overall ") and "29/57" in line and "57/57" in line for line in lines)


def test_repeats_compare_pairs_pass_rates() -> None:
    """Repeated runs are paired per query on pass counts; a critical query whose count falls rejects."""
    base = _repeated([(f"q{i}", "single_tool", [True, True]) for i in range(10)])
    worse = _repeated([(f"q{i}", "single_tool", [True, i >= 8]) for i in range(10)])
    outcome = compare(base, worse, min_strict=0.5)
    assert outcome.repeats == 2
    assert (outcome.mcnemar.regressed, outcome.mcnemar.fixed) == (8, 0)
    assert outcome.verdict is Verdict.REJECT
    assert any("sign test on pass rates" in reason for reason in outcome.reasons)
    assert str(outcome.overall.candidate_strict) == "12/20 (60.0%)"
    assert compare(base, base, min_strict=0.5).verdict is Verdict.PROMOTE


def test_repeats_compare_refuses_different_repeats() -> None:
    """A greedy run and a 2-repeat run are refused in one line naming metadata.repeats."""
    greedy = results([Q(f"q{i}", "single_tool", True) for i in range(4)])
    sampled = _repeated([(f"q{i}", "single_tool", [True, True]) for i in range(4)])
    with pytest.raises(IncomparableRunsError, match=r"metadata.repeats must be equal in both runs, got 1 vs 2"):
        compare(greedy, sampled)


def test_repeats_need_sampling_and_a_model(tmp_path: Path) -> None:
    """--repeats > 1 needs --temperature > 0; a recording cannot be sampled; sampling a model with repeats is fine."""
    local = RunTarget.local(reference_model_dir())
    with pytest.raises(UsageError, match="--repeats 3 needs --temperature > 0"):
        check_sampling(local, Decoding(), 3)
    check_sampling(local, Decoding(temperature=0.5), 3)
    recording = tmp_path / "recorded.jsonl"
    recording.write_text('{"id": "st_git_status", "responses": ["prose"]}\n', encoding="utf-8")
    replay = RunTarget.replayed(recording)
    with pytest.raises(UsageError, match="a recording holds one answer per query"):
        check_sampling(replay, Decoding(temperature=0.5), 1)
    with pytest.raises(UsageError, match="a recording holds one answer per query"):
        check_sampling(replay, Decoding(temperature=0.5), 2)


def _options(**changes: Any) -> Any:
    args: dict[str, Any] = {
        "model": Setting(None, ""),
        "queries": Setting(None, ""),
        "max_tokens": "16",
        "results": None,
        "backend": "mlx",
        "base_url": None,
        "replay": None,
        "cache_dir": ".punie-cache",
        "no_cache": True,
        "gate": False,
        "min_strict": "0.8",
        "floors": [],
        "baseline": None,
    }
    return build_options(**(args | changes))


@pytest.mark.parametrize(
    ("sampling", "generation", "message"),
    [
        (Sampling(temperature="hot"), None, "--temperature must be a number, got 'hot'"),
        (Sampling(temperature="-1"), None, "--temperature must be a finite number >= 0"),
        (Sampling(temperature="0.5", top_p="0"), None, r"--top-p must be in \(0, 1\]"),
        (Sampling(temperature="0.5", seed="-2"), None, "--seed must be an integer >= 0, got -2"),
        (Sampling(temperature="0.5", repeats="0"), None, "--repeats must be a positive integer, got 0"),
        (Sampling(repeats="4"), None, "--repeats 4 needs --temperature > 0"),
        (None, Generation(Setting("0", "")), "--batch-size must be auto or a positive integer, got '0'"),
        (None, Generation(Setting("x", "PUNIE_BATCH_SIZE")), "PUNIE_BATCH_SIZE must be auto or a positive integer"),
        (None, Generation(canary="-1"), "--canary must be an integer >= 0, got -1"),
    ],
    ids=["temp-word", "temp-negative", "top-p-zero", "seed-negative", "repeats-zero", "greedy-repeats", "batch-0",
         "batch-env", "canary-negative"],
)  # fmt: skip
def test_repeats_options_refuse_bad_values(
    sampling: Sampling | None, generation: Generation | None, message: str
) -> None:
    """Each bad sampling or generation setting is one UsageError naming the option."""
    with pytest.raises(UsageError, match=message):
        _options(sampling=sampling, generation=generation)


def test_repeats_options_resolve() -> None:
    """Good values land in Decoding, RunOptions.repeats and the target's batch size and canary."""
    o = _options(
        sampling=Sampling("0.7", "0.9", "11", "3"), generation=Generation(Setting("8", ""), "0", canary_strict=True)
    )
    assert (o.decoding.temperature, o.decoding.top_p, o.decoding.seed, o.repeats) == (0.7, 0.9, 11, 3)
    assert (o.target.batch_size, o.target.canary, o.target.canary_strict) == (8, 0, True)
    with pytest.raises(UsageError, match="--batch-size and --canary are for the mlx backend"):
        _options(backend="replay", replay=__file__, generation=Generation(canary="2"))


def test_repeats_history_rows_and_inspect_epochs(tmp_path: Path) -> None:
    """A sampled run is K outcome rows per query in the history and K epochs per sample in an Inspect log."""
    from inspect_ai.log import read_eval_log

    from punie_eval.export.inspect_log import write_inspect_log
    from punie_eval.history.rows import run_rows

    doc = _repeated([("a", "single_tool", [True, False, True]), ("b", "cross_tool", [False, False, True])])
    result = RunResult.from_json(doc)
    rows = run_rows(result).outcomes
    assert [(r.query_id, r.repeat, r.strict) for r in rows] == [
        ("a", 0, True), ("a", 1, False), ("a", 2, True), ("b", 0, False), ("b", 1, False), ("b", 2, True)
    ]  # fmt: skip
    write_inspect_log(result, tmp_path / "run.eval")
    log = read_eval_log(str(tmp_path / "run.eval"))
    assert log.samples is not None
    assert sorted((s.id, s.epoch) for s in log.samples) == [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("b", 3)]
    assert log.eval.config.epochs == 3
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(3 / 6)
