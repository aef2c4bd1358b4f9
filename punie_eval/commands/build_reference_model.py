"""``punie-eval build-reference-model OUT``: train the tiny reference model from the corpus.

Writes OUT (fp32, the default model the suite evaluates) and OUT-q5 (its 5-bit sibling made
with ``mlx_lm convert``), each with a ``manifest.json``. OpenBLAS is loaded first when present:
with MLX's bundled reference BLAS the build is 7-14x slower.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from punie_eval.paths import data_dir
from punie_eval.refmodel.build import DEFAULT_ITERS
from punie_eval.refmodel.tokenizer import SPACES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT", help="directory to write the fp32 model to")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=data_dir() / "corpus" / "clean",
        help="directory with train.jsonl and valid.jsonl (default: data/corpus/clean)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for init and batch order (default 0)")
    parser.add_argument(
        "--iters",
        type=int,
        default=None,
        help="training iterations (default " + ", ".join(f"{n} {size}" for size, n in DEFAULT_ITERS.items()) + ")",
    )
    parser.add_argument(
        "--size", choices=("tiny", "deep", "small", "demo"), default="tiny", help="model shape (default tiny)"
    )
    parser.add_argument(
        "--spaces",
        choices=SPACES,
        default="joined",
        help="tokenizer: a word carries its leading space (joined, default) or every space is its own token (split)",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT (and OUT-q5) if they exist")
    parser.add_argument(
        "--record-results",
        type=Path,
        metavar="FILE",
        help="no build: copy the score in an evaluation results JSON of OUT into OUT/manifest.json",
    )


def run(args: argparse.Namespace) -> int:
    if args.record_results is not None:
        from punie_eval.refmodel.build import record_suite_score

        print(json.dumps(record_suite_score(args.out, args.record_results)["overall"]))
        return 0
    from punie_eval.generation.blas import load_fast_blas
    from punie_eval.outputs import refuse_overwriting_inputs

    refuse_overwriting_inputs({"OUT": args.out}, {"--corpus": args.corpus}, folders=frozenset({"OUT"}))
    load_fast_blas()  # before anything imports mlx
    from punie_eval.refmodel.build import BuildSpec, build, q5_dir

    spec = BuildSpec(
        out=args.out,
        corpus=args.corpus,
        seed=args.seed,
        size=args.size,
        iters=args.iters,
        force=args.force,
        spaces=args.spaces,
    )
    manifest = build(spec)
    summary = {k: manifest[k] for k in ("parameters", "size_bytes", "build_seconds", "blas", "held_out")}
    print(json.dumps(summary))
    print(f"wrote {spec.out} and {q5_dir(spec.out)}")
    return 0
