"""Reproduce the seed's preamble study: train on mixed / preambles-removed / clean, score, compare.

    .venv/bin/python scripts/study.py [--out docs/study] [--seeds 0 1 2] [--iters N] [--work DIR]
                                      [--report-only] [--jobs N]

Builds one reference-architecture model per (corpus, seed) with identical options, scores each
on the 57-query main suite and on the held-out suite, and writes report.md, chart.svg,
report.html and study.json to --out (atomically). Progress goes to stderr. With --work the
models, results and logs are kept there and a rerun resumes (a model whose manifest and both
results files are present is neither rebuilt nor loaded); without it they go to a temporary
folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from punie_eval.study.report import write_report
from punie_eval.study.run import StudyConfig, audit_corpora, corpus_dirs, corpus_hashes, execute, machine_load


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("docs/study"), help="report folder (default docs/study)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--iters", type=int, default=None, help="training iterations (default: the build's own)")
    parser.add_argument("--size", choices=("tiny", "demo"), default="tiny", help="model shape (default tiny)")
    parser.add_argument("--work", type=Path, default=None, help="keep models, results and logs here; resume")
    parser.add_argument("--report-only", action="store_true", help="no builds: report what --work holds")
    parser.add_argument(
        "--jobs", type=int, default=1, help="builds at a time, one BLAS thread each (default 1: seed by seed)"
    )
    args = parser.parse_args(argv)
    if args.report_only and args.work is None:
        parser.error("--report-only needs --work")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="punie-study-"))
    try:
        config = StudyConfig(
            work=work,
            seeds=tuple(args.seeds),
            iters=args.iters,
            size=args.size,
            report_only=args.report_only,
            jobs=args.jobs,
        )
        log(f"study: seeds {list(config.seeds)}, iters {args.iters or 'default'}, work {work}; load {machine_load()}")
        _, runs = execute(config, log)
        dirs = corpus_dirs(work)
        audits = audit_corpora(dirs)
        command = "python scripts/study.py " + shlex.join(argv if argv is not None else sys.argv[1:])
        meta = {
            "command": command.strip(),
            "seeds": list(config.seeds),
            "iters": args.iters,
            "size": args.size,
            "report_only": args.report_only,
            "wall_s": time.perf_counter() - started,
            "load": machine_load(),
            "corpus_sha256": corpus_hashes(dirs),
        }
        write_report(args.out, runs, audits, meta)
        log(f"wrote {args.out} ({time.perf_counter() - started:.0f}s)")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
