"""Benchmark generation of the 57-query suite on one model: sequential vs batched vs warm cache.

    (a) one prompt at a time with mlx_lm.generate, as the old validation script did
    (b) all prompts in one mlx_lm.batch_generate call (what the engine does)
    (c) `pytest evals/` in a subprocess against a cache the engine has just filled

Each BLAS setting runs in its own subprocess, because the BLAS must be chosen before mlx is
imported (PUNIE_BLAS=reference keeps MLX's bundled reference BLAS).

    .venv/bin/python scripts/bench_generation.py --model data/reference-model --blas both

``--scale 1,4,16`` instead grows the suite (the 57 turn-1 prompts repeated 1, 4, 16 times) and
reports wall time, tokens/s and peak memory with every prompt in one batch and with a fixed
``--cap`` (``--batch-size``), each point in its own process so peaks do not carry over:

    .venv/bin/python scripts/bench_generation.py --scale 1,4,16 --cap 16
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def _plugin_args() -> list[str]:
    """Load the plugin explicitly when punie-eval is not installed (no pytest11 entry point)."""
    installed = any(ep.value == "punie_eval.plugin" for ep in metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "punie_eval.plugin"]


def worker(model: Path, max_tokens: int, run_pytest: bool) -> dict[str, Any]:
    """Run (a), (b) and (c) in this process; the BLAS is whatever PUNIE_BLAS selects."""
    from punie_eval.generation.blas import load_fast_blas

    blas = load_fast_blas()
    import mlx.core as mx
    from mlx_lm import generate

    from punie_eval import Decoding, RunTarget, evaluate
    from punie_eval.generation.backends.mlx_backend import MlxBackend
    from punie_eval.generation.prompts import turn1_messages
    from punie_eval.queries import load_suite

    suite = load_suite()
    backend = MlxBackend(model, canary=0)
    start = time.perf_counter()
    model_obj, tokenizer = backend.load()
    load_s = time.perf_counter() - start
    prompts = [backend.render(turn1_messages(suite, q)) for q in suite.queries]
    generate(model_obj, tokenizer, prompts[0], max_tokens=4)  # warm-up: first-call overheads out of (a)

    mx.reset_peak_memory()
    start = time.perf_counter()
    sequential = [generate(model_obj, tokenizer, p, max_tokens=max_tokens) for p in prompts]
    seq_s = time.perf_counter() - start
    seq_mlx_peak = mx.get_peak_memory() / 2**20
    seq_rss = _peak_rss_mb()

    mx.reset_peak_memory()
    start = time.perf_counter()
    batched = backend.generate_batch(prompts, max_tokens)
    batch_s = time.perf_counter() - start
    batch_mlx_peak = mx.get_peak_memory() / 2**20
    batch_rss = _peak_rss_mb()

    tokens = sum(len(g.token_ids) for g in batched)
    identical = sum(a == b.text for a, b in zip(sequential, batched, strict=True))
    # Where the texts differ, compare token ids: mlx_lm.generate's streaming detokenizer and
    # tokenizer.decode (what batch_generate uses) render some byte tokens differently.
    differing = [i for i, (a, b) in enumerate(zip(sequential, batched, strict=True)) if a != b.text]
    same_ids = sum(backend.generate_one(prompts[i], max_tokens).token_ids == batched[i].token_ids for i in differing)
    result: dict[str, Any] = {
        "blas": blas,
        "model": str(model),
        "prompts": len(prompts),
        "max_tokens": max_tokens,
        "load_s": load_s,
        "tokens": tokens,
        "stopped_on_eos": sum(g.finish_reason == "stop" for g in batched),
        "sequential_s": seq_s,
        "sequential_mlx_peak_mb": seq_mlx_peak,
        "sequential_rss_mb": seq_rss,
        "batched_s": batch_s,
        "batched_mlx_peak_mb": batch_mlx_peak,
        "batched_rss_mb": batch_rss,
        "identical": identical,
        "differing_same_ids": same_ids,
    }
    if run_pytest:
        cache = Path(tempfile.mkdtemp(prefix="punie-bench-cache-"))
        start = time.perf_counter()
        filled = evaluate(suite, RunTarget.local(model), Decoding(max_tokens=max_tokens), cache=cache, progress=None)
        result["engine_cold_s"] = time.perf_counter() - start
        result["engine_cold_loads"] = filled.metadata["model_loads"]
        command = [sys.executable, "-m", "pytest", "evals/", "-q", "-p", "no:cacheprovider", *_plugin_args()]
        command += ["--model", str(model), "--cache-dir", str(cache), "--max-tokens", str(max_tokens)]
        command += ["--results", str(cache / "results.json")]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        result["pytest_warm_s"] = time.perf_counter() - start
        result["pytest_rss_mb"] = _peak_rss_mb(resource.RUSAGE_CHILDREN)
        result["pytest_exit"] = done.returncode
        tail = [line for line in done.stdout.splitlines() if line.strip()]
        result["pytest_summary"] = tail[-1] if tail else done.stderr.strip()[-200:]
        try:
            meta = json.loads((cache / "results.json").read_text())["metadata"]
            result["pytest_model_loads"] = meta.get("model_loads")
        except (OSError, ValueError, KeyError):
            result["pytest_model_loads"] = "unknown (no results file)"
    return result


def scale_worker(model: Path, max_tokens: int, times: int, cap: int | None) -> dict[str, Any]:
    """One point of the scale benchmark: the suite's turn-1 prompts ``times`` over, batch width ``cap``."""
    from punie_eval.generation.blas import load_fast_blas

    load_fast_blas()
    import mlx.core as mx

    from punie_eval.generation.backends.mlx_backend import MlxBackend
    from punie_eval.generation.prompts import turn1_messages
    from punie_eval.queries import load_suite

    suite = load_suite()
    backend = MlxBackend(model, canary=0, batch_size=cap)
    backend.load()
    prompts = [backend.render(turn1_messages(suite, q)) for q in suite.queries] * times
    base_rss = _peak_rss_mb()
    mx.reset_peak_memory()
    start = time.perf_counter()
    generated = backend.generate_batch(prompts, max_tokens)
    seconds = time.perf_counter() - start
    return {
        "prompts": len(prompts),
        "cap": cap,
        "seconds": seconds,
        "tokens": sum(len(g.token_ids) for g in generated),
        "mlx_peak_mb": mx.get_peak_memory() / 2**20,
        "rss_mb": _peak_rss_mb(),
        "rss_before_mb": base_rss,
    }


def _scale(args: argparse.Namespace) -> None:
    points = [int(x) for x in args.scale.split(",")]
    print(f"model {args.model}, max_tokens {args.max_tokens}; each point in its own process")
    print(f"{'prompts':>8} {'batch':>7} {'wall s':>8} {'tok/s':>8} {'mlx peak MB':>12} {'peak RSS MB':>12}")
    peaks: dict[int | None, list[float]] = {}
    for cap in (None, args.cap):
        for times in points:
            command = [sys.executable, __file__, "--scale-worker", str(times), "--model", str(args.model)]
            command += ["--max-tokens", str(args.max_tokens)] + (["--scale-cap", str(cap)] if cap else [])
            done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"scale worker failed:\n{done.stderr[-2000:]}")
            r = json.loads(done.stdout.strip().splitlines()[-1])
            peaks.setdefault(cap, []).append(r["mlx_peak_mb"])
            width = "all" if cap is None else str(cap)
            print(
                f"{r['prompts']:>8} {width:>7} {r['seconds']:>8.2f} {r['tokens'] / r['seconds']:>8.0f} "
                f"{r['mlx_peak_mb']:>12.1f} {r['rss_mb']:>12.0f}"
            )
    for cap, values in peaks.items():
        label = "one batch" if cap is None else f"--batch-size {cap}"
        growth = values[-1] / values[0]
        print(f"{label}: mlx peak memory x{growth:.2f} from {points[0]}x to {points[-1]}x the suite")


def _run_worker(blas: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if blas == "off":
        env["PUNIE_BLAS"] = "reference"
        env.pop("LD_PRELOAD", None)
    else:
        env.pop("PUNIE_BLAS", None)
    command = [sys.executable, __file__, "--worker", "--model", str(args.model), "--max-tokens", str(args.max_tokens)]
    command += ["--no-pytest"] if args.no_pytest else []
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench worker (BLAS {blas}) failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _report(blas: str, r: dict[str, Any]) -> None:
    n, tokens = r["prompts"], r["tokens"]
    print(f"== BLAS {blas}: {r['blas']}")
    print(f"   model {r['model']}  ({n} prompts, max_tokens {r['max_tokens']}, load {r['load_s']:.2f} s)")
    print(f"   generated {tokens} tokens (batched count, EOS excluded); {r['stopped_on_eos']}/{n} ended on EOS")
    print(
        f"   (a) sequential mlx_lm.generate: {r['sequential_s']:7.2f} s  {tokens / r['sequential_s']:8.0f} tok/s"
        f"  mlx peak {r['sequential_mlx_peak_mb']:.1f} MB, process peak RSS {r['sequential_rss_mb']:.0f} MB"
    )
    print(
        f"   (b) batch_generate:             {r['batched_s']:7.2f} s  {tokens / r['batched_s']:8.0f} tok/s"
        f"  mlx peak {r['batched_mlx_peak_mb']:.1f} MB, process peak RSS {r['batched_rss_mb']:.0f} MB"
    )
    print(f"   speed-up (a)/(b): {r['sequential_s'] / r['batched_s']:.1f}x")
    print(f"   identical text (a) vs (b): {r['identical']}/{n}", end="")
    differing = n - r["identical"]
    if differing:
        print(
            f"; of the {differing} differing, {r['differing_same_ids']} have identical token ids "
            "(detokenizer rendering, not batching)",
            end="",
        )
    print()
    if "pytest_warm_s" in r:
        print(
            f"   engine, cold cache (turn 1 + turn 2 + canary): {r['engine_cold_s']:.2f} s, "
            f"{r['engine_cold_loads']} model load"
        )
        print(
            f"   (c) pytest evals/, warm cache:  {r['pytest_warm_s']:7.2f} s  (exit {r['pytest_exit']}: "
            f"{r['pytest_summary']}), model loads {r['pytest_model_loads']}, peak RSS {r['pytest_rss_mb']:.0f} MB"
        )
        print(f"   ratio (a)/(c): {r['sequential_s'] / r['pytest_warm_s']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, help="MLX model directory (default: data/reference-model)")
    parser.add_argument("--blas", choices=("on", "off", "both"), default="on", help="fast BLAS on, off, or both")
    parser.add_argument("--max-tokens", type=int, default=256, help="new tokens per prompt (default 256)")
    parser.add_argument("--no-pytest", action="store_true", help="skip (c), the warm-cache pytest run")
    parser.add_argument("--scale", metavar="N,N,...", help="grow the suite N times over (e.g. 1,4,16)")
    parser.add_argument("--cap", type=int, default=16, help="--scale: the fixed batch size to compare (default 16)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scale-cap", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.model is None:
        from punie_eval.paths import reference_model_dir

        args.model = reference_model_dir()
    if not (args.model / "config.json").is_file():
        parser.error(f"--model must be an MLX model directory, got {str(args.model)!r}")
    args.model = args.model.resolve()
    if args.worker:
        print(json.dumps(worker(args.model, args.max_tokens, not args.no_pytest)))
        return 0
    if args.scale_worker:
        print(json.dumps(scale_worker(args.model, args.max_tokens, args.scale_worker, args.scale_cap)))
        return 0
    if args.scale:
        _scale(args)
        return 0
    for blas in ("on", "off") if args.blas == "both" else (args.blas,):
        _report(blas, _run_worker(blas, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
