"""Contract-check throughput on a corpus scaled to N examples (default 100,000).

The scaled corpus is GENERATED fresh (distinct examples from the same generator, mixed
variant), not copied, so the parse/analysis caches see realistic reuse. Prints examples/s
and the projected time for 100k; no timing assertion.

    PYTHONPATH=. python scripts/bench_contracts.py [--examples N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from punie_eval.jsonl import write_jsonl
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry
from punie_eval.training.contracts import check_files
from punie_eval.training.corpus import mixed
from punie_eval.training.corpus.writer import generate
from punie_eval.training.leakage import LeakIndex


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=100_000, help="examples to check (default %(default)s)")
    args = parser.parse_args(argv)
    registry, suite = load_registry(), load_suite()
    index = LeakIndex.of_suite(suite)
    started = time.perf_counter()
    rng = random.Random(1)
    examples = [mixed.mix(rng, e) for e in generate(rng, args.examples, registry, set(), index)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.jsonl"
        write_jsonl(path, (e.record() for e in examples))
        size = path.stat().st_size / 1e6
        print(f"generated {len(examples)} examples in {time.perf_counter() - started:.1f} s ({size:.0f} MB)")
        started, cpu = time.perf_counter(), time.process_time()
        violations = check_files([path], registry, system_prompt=suite.system_prompt, leak_index=index)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rate = len(examples) / elapsed
    print(f"checked {len(examples)} examples in {elapsed:.1f} s: {rate:,.0f} examples/s ({len(violations)} violations)")
    print(f"CPU time {cpu:.1f} s ({len(examples) / cpu:,.0f} examples/CPU-s; wall time includes other processes)")
    print(f"projected for 100,000 examples: {100_000 / rate:.1f} s (target < 60 s on 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
