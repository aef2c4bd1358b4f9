"""Regenerate the training corpus: data/corpus/mixed (the seed's inconsistencies) and
data/corpus/clean (mixed, cleaned). Deterministic: same seed, same bytes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from punie_eval.paths import data_dir
from punie_eval.training.clean import clean_dir
from punie_eval.training.corpus.writer import SEED, write_mixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=data_dir() / "corpus", help="folder for mixed/ and clean/")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    counts = write_mixed(args.out / "mixed", seed=args.seed)
    print(f"mixed: {counts['train']} train, {counts['valid']} valid -> {args.out / 'mixed'}")
    report = clean_dir(args.out / "mixed", args.out / "clean", force=True)
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
