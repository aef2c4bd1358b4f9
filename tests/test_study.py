"""The study on small hand-written results documents; the tests that build or load a model are marked slow."""

from __future__ import annotations

import json
import runpy
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from results_builder import Q, results, write

from punie_eval.paths import heldout_queries_file, reference_model_dir
from punie_eval.reporting.stats import mcnemar_exact
from punie_eval.study.analysis import (
    ARMS,
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
from punie_eval.study.chart import svg_chart
from punie_eval.study.report import spreads, write_report
from punie_eval.study.run import SUITES, Run, StudyConfig, build_in_parallel, corpus_dirs, execute, results_file

STUDY = Path(__file__).parents[1] / "scripts" / "study.py"


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


MAIN_A = results([Q("d1", "direct_answers", True), Q("s1", "single_tool", True), Q("s2", "single_tool", False)])
MAIN_B = results([Q("d1", "direct_answers", False), Q("s1", "single_tool", True), Q("s2", "single_tool", True)])


# the held-out documents use other ids and categories than the main ones, so a mix-up shows
def _heldout(*queries: Q, model: str) -> dict[str, Any]:
    document = results(queries, model=model)
    document["metadata"]["suite"].update(path="data/heldout/queries.json", name="heldout-2")
    return document


HELD_A = _heldout(Q("h1", "multi_turn", True), Q("h2", "multi_turn", False), model="a")
HELD_B = _heldout(Q("h1", "multi_turn", False), Q("h2", "multi_turn", False), model="b")


def _runs(tmp_path: Path, heldout: bool = True) -> list[Run]:
    """Two corpora x two seeds of full results documents (the promotion gate needs metadata)."""
    plan = {"mixed": ((MAIN_A, HELD_A), (MAIN_B, HELD_B)), "clean": ((MAIN_B, HELD_B), (MAIN_B, HELD_A))}
    return [
        Run(
            arm,
            seed,
            tmp_path / f"{arm}-{seed}",
            {suite: tmp_path / f"{arm}-{seed}.{suite}.json" for suite in SUITES},
            documents={"main": main, **({"heldout": held} if heldout else {})},
        )
        for arm, docs in plan.items()
        for seed, (main, held) in enumerate(docs)
    ]


META = {"command": "x", "seeds": [0, 1], "wall_s": 1.0, "load": "-"}


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
    write_report(out, _runs(tmp_path), audits, META)
    assert sorted(p.name for p in out.iterdir()) == ["chart.svg", "report.html", "report.md", "study.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _section(report: str, heading: str) -> str:
    """The text of the ``## heading...`` section up to the next level-2 heading."""
    start = report.index(f"## {heading}")
    end = report.find("\n## ", start + 1)
    return report[start : end if end != -1 else None]


def test_study_report_main_then_heldout_each_with_tables_and_comparisons(tmp_path: Path) -> None:
    """Each suite gets its own accuracy tables, diagnoses and paired comparisons, main first."""
    out = tmp_path / "study"
    write_report(out, _runs(tmp_path), {}, META)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.index("## Main suite") < report.index("## Held-out suite")
    main, held = _section(report, "Main suite"), _section(report, "Held-out suite")
    assert "`punie-57`, 3 queries" in main
    assert "`heldout-2`, 2 queries" in held
    assert "| single_tool | 2 |" in main
    assert "multi_turn" not in main
    assert "| multi_turn | 2 | 25% (0%-50%) | 25% (0%-50%) |" in held  # mixed: 1/2 then 0/2; clean: 0/2 then 1/2
    for text in (main, held):
        assert "### Wire diagnoses" in text
        assert "#### (c) clean vs (a) mixed" in text
    assert "![strict accuracy per category, main suite](chart.svg)" in main
    assert "chart.svg" not in held


def test_study_json_records_per_query_outcomes_of_both_suites(tmp_path: Path) -> None:
    """study.json holds the aggregates of each suite and every run's per-query outcomes per suite."""
    out = tmp_path / "study"
    write_report(out, _runs(tmp_path), {}, META)
    data = json.loads((out / "study.json").read_text(encoding="utf-8"))
    assert data["format"] == "punie-study/2"
    assert [row["category"] for row in data["suites"]["heldout"]["accuracy"]["mixed"]] == ["multi_turn", "overall"]
    assert data["suites"]["main"]["comparisons"]["clean_vs_mixed"]["pooled"]["n"] == 6
    assert data["suites"]["heldout"]["comparisons"]["clean_vs_mixed"]["pooled"]["n"] == 4
    clean_s1 = next(r for r in data["runs"] if (r["arm"], r["seed"]) == ("clean", 1))
    assert [(q["id"], q["strict"]) for q in clean_s1["results"]["heldout"]["queries"]] == [("h1", True), ("h2", False)]
    assert [q["id"] for q in clean_s1["results"]["main"]["queries"]] == ["d1", "s1", "s2"]


def test_study_report_without_heldout_results_says_so_in_one_line(tmp_path: Path) -> None:
    """A work dir from before held-out scoring still reports; its held-out part is one line."""
    out = tmp_path / "study"
    write_report(out, _runs(tmp_path, heldout=False), {}, META)
    held = _section((out / "report.md").read_text(encoding="utf-8"), "Held-out suite")
    body = [line for line in held.splitlines()[1:] if line.strip()]
    assert body == ["No heldout results in this work dir (a run from before it was scored)."]
    assert json.loads((out / "study.json").read_text(encoding="utf-8"))["suites"]["heldout"] == {}


def test_study_report_without_manifests_calls_the_recipe_unknown(tmp_path: Path) -> None:
    """No manifest to compare is not a recipe mismatch: the report says it cannot tell."""
    out = tmp_path / "study"
    write_report(out, _runs(tmp_path), {}, META)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Identical training recipe across corpora: unknown (no manifests)" in report
    assert "**NO**" not in report


def _small_files(work: Path, seeds: Sequence[int], suites: Sequence[str]) -> None:
    """What a later session may restore: every manifest (the bundled model's, a real one) and results file."""
    manifest = (reference_model_dir() / "manifest.json").read_text(encoding="utf-8")
    for seed in seeds:
        for arm in ARMS:
            tag = f"{arm.name}-s{seed}"
            (work / "models" / tag).mkdir(parents=True)
            (work / "models" / tag / "manifest.json").write_text(manifest, encoding="utf-8")
            (work / "results").mkdir(exist_ok=True)
            for suite in suites:
                write(work / "results", results_file(work, tag, suite).name, MAIN_A if suite == "main" else HELD_A)


@pytest.mark.parametrize("report_only", [False, True], ids=["resume", "report-only"])
def test_study_resumes_from_manifests_and_results_alone(tmp_path: Path, report_only: bool) -> None:
    """With every manifest and results file present nothing is built, evaluated or snapshotted."""
    work, out = tmp_path / "work", tmp_path / "out"
    _small_files(work, (0, 1), list(SUITES))
    before = sorted(p.relative_to(work) for p in work.rglob("*") if p.is_file())
    main = runpy.run_path(str(STUDY))["main"]
    argv = ["--work", str(work), "--out", str(out), "--seeds", "0", "1", *(["--report-only"] if report_only else [])]
    assert main(argv) == 0
    assert sorted(p.relative_to(work) for p in work.rglob("*") if p.is_file()) == before  # no weights, corpora, logs
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "models scored per suite: main 6 of 6, heldout 6 of 6" in report
    assert "No corpus snapshots in the work dir" in report
    assert "| multi_turn | 2 | 50% | 50% | 50% |" in _section(report, "Held-out suite")


@pytest.mark.slow
def test_study_adds_heldout_results_to_an_older_work_dir(tmp_path: Path) -> None:
    """A work dir with main results only gets held-out results; main ones are kept, not re-evaluated."""
    work = tmp_path / "work"
    _small_files(work, (0,), ["main"])
    for arm in ARMS:  # real weights: the bundled model stands in for every arm's build
        shutil.copytree(reference_model_dir(), work / "models" / f"{arm.name}-s0", dirs_exist_ok=True)
    main_before = {p.name: p.read_bytes() for p in (work / "results").iterdir()}
    _, runs = execute(StudyConfig(work=work, seeds=(0,)), lambda line: None)
    assert {p.name: p.read_bytes() for p in (work / "results").iterdir() if p.name in main_before} == main_before
    assert not (work / "corpora").exists()
    for run in runs:
        assert run.documents["main"] == MAIN_A
        held = json.loads(run.results["heldout"].read_text(encoding="utf-8"))
        assert Path(held["metadata"]["suite"]["path"]).resolve() == heldout_queries_file().resolve()
        assert run.documents["heldout"] == held
        assert set(run.eval_s) == {"heldout"}
        timing = json.loads((work / "timings" / f"{run.arm}-s0.json").read_text(encoding="utf-8"))
        assert "eval_heldout_s" in timing
        assert "eval_s" not in timing


def _tiny_corpus(folder: Path, n: int) -> None:
    """A few chats: enough for a real two-iteration build."""
    call = '<tool_call>\n<function=execute_code>\n<parameter=code>\nresult = git_status(".")\nprint(result.clean)\n'
    call += "</parameter>\n</function>\n</tool_call>"
    chat = {"messages": [{"role": "system", "content": "You are Punie."}, {"role": "user", "content": "Status?"}]}
    chat["messages"].append({"role": "assistant", "content": call})
    folder.mkdir(parents=True)
    for name, count in (("train", n), ("valid", 2)):
        (folder / f"{name}.jsonl").write_text((json.dumps(chat) + "\n") * count)


@pytest.mark.slow
def test_study_builds_in_parallel_and_a_failed_build_keeps_the_others(tmp_path: Path) -> None:
    """--jobs 3: real builds overlap in time; one that fails raises only after the others have their models."""
    work = tmp_path / "work"
    dirs = corpus_dirs(work)
    _tiny_corpus(dirs["mixed"], 24)
    _tiny_corpus(dirs["clean"], 30)
    dirs["preambles_removed"].mkdir(parents=True)  # no train.jsonl: that build fails
    (work / "logs").mkdir(parents=True)
    runs = [Run(arm.name, 0, work / "models" / f"{arm.name}-s0", {}) for arm in ARMS]
    config = StudyConfig(work=work, seeds=(0,), iters=2, jobs=3)
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="build of preambles_removed-s0 failed"):
        build_in_parallel(config, runs, dirs, lambda line: None)
    wall = time.perf_counter() - started
    built = [r for r in runs if r.arm != "preambles_removed"]
    assert sum(r.build_s or 0.0 for r in built) > wall  # the two builds overlapped: one after the other sums below
    for run in built:
        manifest = json.loads((run.model / "manifest.json").read_text(encoding="utf-8"))
        assert (manifest["seed"], manifest["training"]["iters"], manifest["corpus"]["dir"]) == (
            0,
            2,
            str(dirs[run.arm]),
        )
        assert run.build_s is not None
        timing = json.loads((work / "timings" / f"{run.model.name}.json").read_text(encoding="utf-8"))
        assert timing["build_s"] == round(run.build_s, 1)
    assert not (work / "models" / "preambles_removed-s0").exists()
    assert "train.jsonl" in (work / "logs" / "build-preambles_removed-s0.log").read_text(encoding="utf-8")
