"""The study's pure parts on small hand-written results documents (no builds, no MLX)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from results_builder import Q, results

from punie_eval.reporting.stats import mcnemar_exact
from punie_eval.study.analysis import (
    GATE_FAILED,
    Paired,
    Spread,
    category_counts,
    category_spread,
    diagnosis_counts,
    paired,
    pooled,
    turn1_labels,
)
from punie_eval.study.report import spreads, svg_chart, write_report
from punie_eval.study.run import Run


def turn(label: str = "ok", gate: bool = True) -> dict[str, Any]:
    return {"diagnosis": {"label": label}, "layers": [{"name": "gate", "passed": gate, "reason": ""}], "response": ""}


def query(
    qid: str,
    category: str,
    strict: bool,
    soft: bool | None = None,
    families: Sequence[str] = ("git",),
    turns: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": qid,
        "category": category,
        "families": list(families),
        "soft": strict if soft is None else soft,
        "strict": strict,
        "failure": None,
        "turns": list(turns) if turns is not None else [turn()],
    }


def doc(*queries: dict[str, Any]) -> dict[str, Any]:
    return {"queries": list(queries)}


def outcomes(*strict: bool) -> dict[str, Any]:
    return doc(*(query(f"q{i}", "single_tool", s) for i, s in enumerate(strict)))


RUN_A = doc(
    query("d1", "direct_answers", True),
    query("s1", "single_tool", True),
    query("s2", "single_tool", False, soft=True),
)
RUN_B = doc(
    query("d1", "direct_answers", False),
    query("s1", "single_tool", True),
    query("s2", "single_tool", True),
)


def test_study_category_counts_in_suite_order_with_overall_last() -> None:
    """Counts (n, soft, strict) per category come in suite order, overall last."""
    assert category_counts(doc(query("s1", "single_tool", True), query("d1", "direct_answers", False))) == {
        "direct_answers": (1, 0, 0),
        "single_tool": (1, 1, 1),
        "overall": (2, 1, 1),
    }


@pytest.mark.parametrize(
    ("category", "key", "expected"),
    [
        ("direct_answers", "strict", Spread(0.5, 0.0, 1.0, (1.0, 0.0))),
        ("single_tool", "strict", Spread(0.75, 0.5, 1.0, (0.5, 1.0))),
        ("single_tool", "soft", Spread(1.0, 1.0, 1.0, (1.0, 1.0))),
        ("overall", "strict", Spread(2 / 3, 2 / 3, 2 / 3, (2 / 3, 2 / 3))),
    ],
    ids=["direct-strict", "single-strict", "single-soft", "overall-strict"],
)
def test_study_category_spread_mean_min_max(category: str, key: str, expected: Spread) -> None:
    """Each category's rate is averaged over runs with its min and max."""
    rows = {row.name: row for row in category_spread([RUN_A, RUN_B])}
    assert getattr(rows[category], key) == pytest.approx(expected)


def test_study_category_spread_refuses_different_queries() -> None:
    """Runs that scored different query sets cannot be aggregated."""
    with pytest.raises(ValueError, match="same queries"):
        category_spread([RUN_A, doc(query("d1", "direct_answers", True))])


def test_study_diagnosis_counts_per_family_over_turns_and_runs() -> None:
    """Every turn counts once per family of its query; failed gates are counted apart."""
    multi = query(
        "ct",
        "cross_tool",
        False,
        families=("git", "quality"),
        turns=[turn("preamble_then_stop", gate=False), turn("preamble")],
    )
    counts = diagnosis_counts([doc(multi, query("g", "single_tool", True)), doc(query("g", "single_tool", True))])
    assert counts["git"] == {"preamble_then_stop": 1, "preamble": 1, "ok": 2, GATE_FAILED: 1}
    assert counts["quality"] == {"preamble_then_stop": 1, "preamble": 1, GATE_FAILED: 1}


def test_study_paired_counts_discordant_by_id() -> None:
    """Pairs are matched by id; ids in one run only are left out."""
    base = doc(query("a", "x", True), query("b", "x", True), query("c", "x", False), query("only", "x", True))
    cand = doc(query("c", "x", True), query("a", "x", True), query("b", "x", False))
    assert paired(base, cand) == Paired(n=3, both_pass=1, both_fail=0, b=1, c=1)


def test_study_pooled_sums_seeds_present_in_both_arms() -> None:
    """Pooling sums b and c over the seeds both arms ran and tests the sums."""
    base = {0: outcomes(False, False, True), 1: outcomes(False, False, True), 2: outcomes(True, True, True)}
    cand = {0: outcomes(True, True, True), 1: outcomes(True, False, False)}
    per_seed, total = pooled(base, cand)
    assert sorted(per_seed) == [0, 1]
    assert total == Paired(n=6, both_pass=1, both_fail=1, b=1, c=3)
    assert total.p_exact == mcnemar_exact(1, 3)


def test_study_turn1_labels_only_first_turn() -> None:
    """Only the first turn's diagnosis selects a query."""
    document = doc(
        query("a", "x", False, turns=[turn("preamble_then_stop")]),
        query("b", "x", False, turns=[turn(), turn("preamble_then_stop")]),
    )
    assert turn1_labels(document, "preamble_then_stop") == ["a"]


def _runs(tmp_path: Path) -> list[Run]:
    """Two corpora x two seeds of full results documents (the promotion gate needs metadata)."""
    a = results([Q("d1", "direct_answers", True), Q("s1", "single_tool", True), Q("s2", "single_tool", False)])
    b = results([Q("d1", "direct_answers", False), Q("s1", "single_tool", True), Q("s2", "single_tool", True)])
    return [
        Run(arm, seed, tmp_path / f"{arm}-{seed}", tmp_path / f"{arm}-{seed}.json", document=d)
        for arm, docs in (("mixed", (a, b)), ("clean", (b, b)))
        for seed, d in enumerate(docs)
    ]


def test_study_svg_chart_one_bar_per_category_and_corpus(tmp_path: Path) -> None:
    """The chart has a bar for every category (and overall) of every corpus that ran."""
    svg = svg_chart(spreads(_runs(tmp_path)))
    assert svg.count("<rect x=") == 3 * 2 + 2  # 2 categories + overall, 2 corpora; plus 2 legend swatches


def test_study_write_report_replaces_folder(tmp_path: Path) -> None:
    """The report folder is replaced whole, with no temporary folder left behind."""
    out = tmp_path / "study"
    out.mkdir()
    (out / "stale.txt").write_text("old", encoding="utf-8")
    audits: dict[str, Any] = {}
    write_report(out, _runs(tmp_path), audits, {"command": "x", "seeds": [0, 1], "wall_s": 1.0, "load": "-"})
    assert sorted(p.name for p in out.iterdir()) == ["chart.svg", "report.html", "report.md", "study.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
