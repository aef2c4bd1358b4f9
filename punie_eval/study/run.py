"""Run the study: prepare the three corpora, build one model per (arm, seed), score it on each suite.

Every model is built by the project's own command (``punie-eval build-reference-model``) with
the same options (size, iterations, seed); only ``--corpus`` differs. Each model is scored in
this process on the main suite and on the held-out suite (gated, generation cache inside the
work dir). A manifest or results file already present in the work dir is reused, so an
interrupted study resumes with ``--work DIR``; when every manifest and results file is there,
nothing reads the weights or the corpora.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie_eval.paths import data_dir, default_queries_file, heldout_queries_file
from punie_eval.registry import load_registry
from punie_eval.study.analysis import ARMS
from punie_eval.training.audit import audit_files, expand
from punie_eval.training.clean import clean_dir

Log = Callable[[str], None]
# manifest["training"] keys that follow from the corpus, not from the recipe
PER_CORPUS_KEYS = frozenset({"examples", "tokens", "final_loss", "seconds", "seconds_per_iter", "max_seq_length"})
# suite name -> its file; main first (the report's order). Main results keep the pre-held-out
# file name so older work dirs resume.
SUITES: dict[str, Callable[[], Path]] = {"main": default_queries_file, "heldout": heldout_queries_file}


@dataclass(frozen=True)
class StudyConfig:
    work: Path
    seeds: tuple[int, ...] = (0, 1, 2)
    iters: int | None = None  # None: the build command's default for the size
    size: str = "tiny"
    report_only: bool = False  # no builds or evaluations: report what the work dir holds
    jobs: int = 1  # builds at a time; above 1 every missing model is built first, one BLAS thread each


@dataclass
class Run:
    arm: str
    seed: int
    model: Path
    results: dict[str, Path]  # suite name -> results file
    build_s: float | None = None  # wall time measured by this study (None: reused)
    eval_s: dict[str, float] = field(default_factory=dict)  # suite name -> seconds (absent: not measured)
    manifest: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # suite name -> results document


def results_file(work: Path, tag: str, suite: str) -> Path:
    """``results/{tag}.json`` for the main suite, ``results/{tag}.{suite}.json`` for the others."""
    return work / "results" / (f"{tag}.json" if suite == "main" else f"{tag}.{suite}.json")


def _eval_key(suite: str) -> str:
    """Timing-file key of a suite's evaluation (``eval_s`` for main, as before held-out scoring)."""
    return "eval_s" if suite == "main" else f"eval_{suite}_s"


def corpus_dirs(work: Path) -> dict[str, Path]:
    """The three corpora the study trains on: snapshots inside the work dir (see ``prepare_corpora``)."""
    return {arm.name: work / "corpora" / arm.name for arm in ARMS}


def prepare_corpora(work: Path, log: Log) -> dict[str, Path]:
    """Snapshot data/corpus/{mixed,clean} into the work dir and derive (b) from the snapshot of mixed.

    The snapshot keeps every build of the study on the same bytes even if the corpus in the
    repository is regenerated while the study runs.
    """
    dirs = corpus_dirs(work)
    for arm in ("mixed", "clean"):
        if not (dirs[arm] / "train.jsonl").exists():
            shutil.copytree(data_dir() / "corpus" / arm, dirs[arm], dirs_exist_ok=True)
            log(f"corpus ({arm}): snapshot of data/corpus/{arm} -> {dirs[arm]}")
    target = dirs["preambles_removed"]
    if not (target / "train.jsonl").exists():
        report = clean_dir(dirs["mixed"], target, force=True, only=("preambles",))
        log(f"corpus (preambles_removed): clean --only preambles -> {target}: {dict(report.kinds)}")
    return dirs


def present(dirs: dict[str, Path]) -> dict[str, Path]:
    """The corpora the work dir holds: a resume from manifests and results alone may have none."""
    return {arm: path for arm, path in dirs.items() if (path / "train.jsonl").is_file()}


def corpus_hashes(dirs: dict[str, Path]) -> dict[str, dict[str, str]]:
    return {
        arm: {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.glob("*.jsonl"))}
        for arm, path in present(dirs).items()
    }


def audit_corpora(dirs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    registry = load_registry()
    out = {}
    for arm, path in present(dirs).items():
        data = audit_files(expand([path]), registry).to_json()
        data.pop("violations", None)
        out[arm] = data
    return out


def _run(cmd: list[str], log_file: Path, env: dict[str, str] | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    with log_file.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, check=False)
    return proc.returncode, time.perf_counter() - started


def build_command(config: StudyConfig, corpus: Path, seed: int, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "punie_eval.cli", "build-reference-model", str(out)]
    cmd += ["--corpus", str(corpus), "--seed", str(seed), "--size", config.size, "--force"]
    return cmd + (["--iters", str(config.iters)] if config.iters is not None else [])


def evaluate_model(model: Path, results: Path, cache: Path, suite_file: Path) -> str:
    """Score one model on one suite in this process (gated) and write its results file."""
    # imported here: loading MLX is only needed when something is evaluated
    from punie_eval.evaluation.conclude import GatePolicy, conclude
    from punie_eval.evaluation.evaluate import evaluate
    from punie_eval.evaluation.target import RunTarget
    from punie_eval.queries import load_suite

    suite = load_suite(suite_file)
    result = evaluate(suite, RunTarget.local(model), cache=cache, progress=None)
    conclusion = conclude(result, suite, GatePolicy(enabled=True), results=results)
    return conclusion.gate.describe() if conclusion.gate is not None else "not gated"


def execute(config: StudyConfig, log: Log) -> tuple[dict[str, Path], list[Run]]:
    """Build and evaluate every (arm, seed) and suite not yet in the work dir.

    Seed by seed (build, then evaluate) with one job; with more, every missing model is built
    first, ``config.jobs`` at a time, and then each is evaluated in turn.
    """
    work = config.work
    (work / "logs").mkdir(parents=True, exist_ok=True)
    dirs = corpus_dirs(work)
    prepared = False  # corpora are snapshotted only when a build needs them
    tags = [(arm.name, seed, f"{arm.name}-s{seed}") for seed in config.seeds for arm in ARMS]
    runs = [
        Run(arm, seed, work / "models" / tag, {s: results_file(work, tag, s) for s in SUITES})
        for arm, seed, tag in tags
    ]
    missing = [r for r in runs if not (r.model / "manifest.json").exists()]
    if config.jobs > 1 and missing and not config.report_only:
        dirs, prepared = prepare_corpora(work, log), True
        build_in_parallel(config, missing, dirs, log)
    total = len(runs)
    for index, run in enumerate(runs, 1):
        tag = run.model.name
        step = f"[{index}/{total}] {tag}"
        manifest_file = run.model / "manifest.json"
        if not manifest_file.exists() and not config.report_only:
            if not prepared:
                dirs, prepared = prepare_corpora(work, log), True
            _build(config, run, dirs[run.arm], log, step)
        if manifest_file.exists():
            run.manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        for suite, results in run.results.items():
            if not results.exists() and run.manifest and not config.report_only:
                _evaluate(work, run, suite, log, step)
        timing = _load_timing(work, tag)  # this invocation's measurements and earlier ones
        run.build_s = timing.get("build_s", run.build_s)
        for suite, results in run.results.items():
            if _eval_key(suite) in timing:
                run.eval_s[suite] = timing[_eval_key(suite)]
            if results.exists():
                run.documents[suite] = json.loads(results.read_text(encoding="utf-8"))
                o = run.documents[suite]["summary"]["overall"]
                log(f"{step} {suite}: strict {o['strict']}/{o['n']}, soft {o['soft']}/{o['n']}")
            else:
                log(f"{step} {suite}: missing (not built or not evaluated)")
    return dirs, runs


def build_in_parallel(config: StudyConfig, runs: list[Run], dirs: dict[str, Path], log: Log) -> None:
    """Build ``runs`` ``config.jobs`` at a time, each on one BLAS thread unless OPENBLAS_NUM_THREADS is set.

    On the 2-core machine three single-threaded builds ran at 0.82 s/iteration each, where one
    build on both cores takes 0.57-0.66 s (docs/reference-model.md, training throughput). A failed
    build fails the study once the others have finished, so their models are kept.
    """
    from concurrent.futures import ThreadPoolExecutor

    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    total = len(runs)
    with ThreadPoolExecutor(max_workers=config.jobs) as pool:
        futures = [
            pool.submit(_build, config, run, dirs[run.arm], log, f"[build {i}/{total}] {run.model.name}", env)
            for i, run in enumerate(runs, 1)
        ]
    for future in futures:
        future.result()  # the first failure, re-raised


def _build(config: StudyConfig, run: Run, corpus: Path, log: Log, step: str, env: dict[str, str] | None = None) -> None:
    tag = run.model.name
    log_file = config.work / "logs" / f"build-{tag}.log"
    log(f"{step}: build (corpus {corpus}) ...")
    rc, run.build_s = _run(build_command(config, corpus, run.seed, run.model), log_file, env)
    if rc != 0:
        raise RuntimeError(f"build of {tag} failed (exit {rc}); see {log_file}")
    log(f"{step}: built in {run.build_s:.0f}s (load {machine_load()})")
    _save_timing(config.work, tag, "build_s", run.build_s)


def _evaluate(work: Path, run: Run, suite: str, log: Log, step: str) -> None:
    run.results[suite].parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    verdict = evaluate_model(run.model, run.results[suite], work / "cache", SUITES[suite]())
    seconds = time.perf_counter() - started
    log(f"{step} {suite}: evaluated in {seconds:.0f}s, gate {verdict}")
    _save_timing(work, run.model.name, _eval_key(suite), seconds)


def _timing_file(work: Path, tag: str) -> Path:
    return work / "timings" / f"{tag}.json"


def _load_timing(work: Path, tag: str) -> dict[str, float]:
    path = _timing_file(work, tag)
    data: dict[str, float] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data


def _save_timing(work: Path, tag: str, key: str, seconds: float) -> None:
    data = _load_timing(work, tag)
    data[key] = round(seconds, 1)
    data[f"{key[:-2]}_load"] = os.getloadavg()[0]
    path = _timing_file(work, tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def recipe(manifest: dict[str, Any]) -> dict[str, Any]:
    """The training hyperparameters of a build that do not follow from its corpus."""
    training = {k: v for k, v in manifest.get("training", {}).items() if k not in PER_CORPUS_KEYS}
    tokenizer = manifest.get("tokenizer") or {"spaces": "joined"}  # manifests before the option: joined
    return {"size": manifest.get("size"), "tokenizer": tokenizer, **training, "blas": manifest.get("blas")}


def machine_load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} CPUs"
