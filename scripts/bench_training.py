"""Training throughput of the reference-model recipe, per configuration, on this machine.

Trains the shipped reference architecture (``data/reference-model``: its config and tokenizer;
the weights are trained in memory and never saved) on the clean corpus's per-turn examples
for a few steps per configuration, each configuration in a fresh subprocess, and prints
tokens/s (real = non-padding tokens, padded = batch rows x padded length), steps/s and
seconds per step, then ratios against the recipe's configuration (batch 16, length-sorted
batches, compiled step, OpenBLAS on 2 threads).

The step is the one mlx-lm's ``trainer.train`` runs: ``nn.value_and_grad`` of
``default_loss``, AdamW with the recipe's schedule, ``mx.compile`` with the model, optimizer
and random state as inputs and outputs (or uncompiled), batches from mlx-lm's
``iterate_batches`` (sorted by token count as in ``refmodel.train.length_sorted_dataset``,
or in random order). ``mx.compile`` traces again for every new batch shape, so before timing
each worker runs one warm-up step per distinct batch shape of the timed batches plus
``--warmup`` more; the timed steps are the recipe's steady state.

    PYTHONPATH=. python scripts/bench_training.py                 # all configurations
    PYTHONPATH=. python scripts/bench_training.py --steps 20 --only recipe,bs32
    PYTHONPATH=. python scripts/bench_training.py --worker --batch-size 2 --steps 3 --limit 50   # one, as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "data" / "reference-model"
CORPUS = ROOT / "data" / "corpus" / "clean" / "train.jsonl"
RESULT_PREFIX = "RESULT "
RECIPE_ITERS = 4000


@dataclass(frozen=True)
class Config:
    name: str
    batch_size: int = 16
    order: str = "sorted"  # "sorted" (the recipe) or "random"
    compiled: bool = True
    threads: int = 2
    trainer: bool = False  # mlx-lm's own trainer.train instead of this script's loop

    def worker_args(self) -> list[str]:
        return [
            "--batch-size",
            str(self.batch_size),
            "--order",
            self.order,
            "--compiled" if self.compiled else "--no-compiled",
            *(["--trainer"] if self.trainer else []),
        ]


CONFIGS = [
    Config("recipe"),
    Config("mlx-lm-trainer", trainer=True),
    Config("bs4", batch_size=4),
    Config("bs8", batch_size=8),
    Config("bs32", batch_size=32),
    Config("bs64", batch_size=64),
    Config("random", order="random"),
    Config("uncompiled", compiled=False),
    Config("threads1", threads=1),
    Config("bs32-threads1", batch_size=32, threads=1),
]


@dataclass(frozen=True)
class Result:
    batch_size: int
    order: str
    compiled: bool
    trainer: bool
    blas: str
    openblas_threads: str
    steps: int
    seconds: float
    real_tokens: int
    padded_tokens: int
    loss_tokens: int
    step_seconds: list[float]

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / self.steps

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def real_tokens_per_second(self) -> float:
        return self.real_tokens / self.seconds

    @property
    def padded_tokens_per_second(self) -> float:
        return self.padded_tokens / self.seconds

    @property
    def examples_per_second(self) -> float:
        return self.steps * self.batch_size / self.seconds


def load_examples(limit: int | None) -> list[dict[str, Any]]:
    from punie_eval.refmodel.train import per_turn_examples

    with CORPUS.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return per_turn_examples(records[:limit])


def run_worker(
    batch_size: int, order: str, compiled: bool, steps: int, warmup: int, limit: int | None, trainer: bool = False
) -> Result:
    """Time ``steps`` training steps of one configuration in this process (mlx not yet imported).

    With ``trainer`` the steps are run by mlx-lm's ``trainer.train`` itself (always compiled),
    fed the same batches, and timed by its own per-report ``iterations_per_second``.
    """
    from punie_eval.generation.blas import load_fast_blas

    blas = load_fast_blas()  # before the first import of mlx
    from functools import partial

    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    import numpy as np
    from mlx_lm.tuner.datasets import CacheDataset, ChatDataset
    from mlx_lm.tuner.trainer import default_loss, iterate_batches

    from punie_eval.refmodel.architecture import load_model
    from punie_eval.refmodel.train import TrainConfig, length_sorted_dataset, max_seq_length_for

    recipe = TrainConfig(iters=RECIPE_ITERS)
    model, tokenizer = load_model(MODEL_DIR)
    examples = load_examples(limit)
    np.random.seed(1)
    mx.random.seed(1)
    if order == "random":
        examples = [examples[i] for i in np.random.permutation(len(examples))]
    chats: Any = ChatDataset(examples, tokenizer, mask_prompt=recipe.mask_prompt)
    # Plain CacheDataset: itemlen is 1 for every record, so the "sort" keeps the shuffled order.
    dataset: Any = length_sorted_dataset(chats) if order == "sorted" else CacheDataset(chats)
    lengths = [len(dataset[i][0]) for i in range(len(dataset))]  # tokenize everything before timing
    max_seq_length = max_seq_length_for(lengths)
    batches: Any = iterate_batches(dataset, batch_size, max_seq_length, loop=True, seed=1)  # type: ignore[no-untyped-call]
    timed = [next(batches) for _ in range(steps)]
    shapes = {tuple(b[0].shape): b for b in timed}
    warm = list(shapes.values()) + [next(batches) for _ in range(warmup)]

    model.freeze()
    model.unfreeze()
    schedule = optim.join_schedules(
        [
            optim.linear_schedule(1e-7, recipe.learning_rate, recipe.warmup),
            optim.cosine_decay(recipe.learning_rate, RECIPE_ITERS - recipe.warmup, recipe.final_learning_rate),
        ],
        [recipe.warmup],
    )
    optimizer = optim.AdamW(learning_rate=schedule, weight_decay=recipe.weight_decay)
    loss_value_and_grad = nn.value_and_grad(model, default_loss)  # type: ignore[attr-defined]
    state = [model.state, optimizer.state, mx.random.state]

    def step(batch: Any, lengths: Any) -> tuple[Any, Any]:
        (loss, ntoks), grad = loss_value_and_grad(model, batch, lengths)
        optimizer.update(model, grad)
        return loss, ntoks

    real = padded = loss_tokens = 0
    step_seconds: list[float] = []
    if trainer:
        step_seconds, loss_tokens = _run_trainer(model, optimizer, dataset, [*warm, *timed], len(warm), max_seq_length)
    else:
        run = partial(mx.compile, inputs=state, outputs=state)(step) if compiled else step
        model.train()
        for batch, lens in warm:
            loss, ntoks = run(batch, lens)
            mx.eval(state, loss, ntoks)
        for batch, lens in timed:
            tic = time.perf_counter()
            loss, ntoks = run(batch, lens)
            mx.eval(state, loss, ntoks)
            step_seconds.append(time.perf_counter() - tic)
            loss_tokens += int(cast(Any, ntoks).item())
    seconds = sum(step_seconds)
    for batch, lens in timed:
        real += int(cast(Any, mx.minimum(lens[:, 1], batch.shape[1]).sum()).item())
        padded += int(batch.size)
    return Result(
        batch_size=batch_size,
        order=order,
        compiled=compiled or trainer,
        trainer=trainer,
        blas=blas,
        openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        steps=steps,
        seconds=seconds,
        real_tokens=real,
        padded_tokens=padded,
        loss_tokens=loss_tokens,
        step_seconds=[round(t, 4) for t in step_seconds],
    )


def _run_trainer(
    model: Any, optimizer: Any, dataset: Any, batches: list[Any], skip: int, max_seq_length: int
) -> tuple[list[float], int]:
    """mlx-lm's ``trainer.train`` over ``batches``; seconds and loss tokens of each step after the first ``skip``."""
    import tempfile

    from mlx_lm.tuner.trainer import TrainingArgs, train

    seconds: list[float] = []
    tokens: list[int] = []

    class Timer:
        def on_train_loss_report(self, info: dict[str, Any]) -> None:
            seconds.append(1.0 / float(info["iterations_per_second"]))
            tokens.append(int(info["trained_tokens"]) - sum(tokens))

        def on_val_loss_report(self, info: dict[str, Any]) -> None:
            pass

    def given_batches(**_: Any) -> Any:
        return iter(batches)

    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        args = TrainingArgs(
            batch_size=batches[0][0].shape[0],
            iters=len(batches),
            steps_per_report=1,
            steps_per_eval=10**9,
            steps_per_save=10**9,
            max_seq_length=max_seq_length,
            adapter_file=str(Path(tmp) / "adapters.safetensors"),
        )
        train(
            model,
            optimizer,
            dataset,
            None,
            args=args,
            iterate_batches=given_batches,
            training_callback=cast(Any, Timer()),
        )
    return seconds[skip:], sum(tokens[skip:])


def parse_result(stdout: str) -> Result:
    """The worker's result from its stdout (the last ``RESULT {json}`` line)."""
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise ValueError(f"no {RESULT_PREFIX.strip()} line in worker output")
    return Result(**json.loads(lines[-1][len(RESULT_PREFIX) :]))


def spawn(config: Config, steps: int, warmup: int, limit: int | None) -> Result:
    """Run one configuration in a fresh subprocess (at least as many examples as ``steps`` at batch 16)."""
    steps = max(steps, steps * 16 // config.batch_size)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(config.threads), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, __file__, "--worker", *config.worker_args(), "--steps", str(steps)]
    cmd += ["--warmup", str(warmup), *(["--limit", str(limit)] if limit else [])]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"worker {config.name} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return parse_result(proc.stdout)


def table(results: dict[str, Result], base: str) -> str:
    ref = results.get(base)
    head = (
        f"| {'config':<14}| batch | order  | compiled | threads | s/step | steps/s | real tok/s | padded tok/s "
        f"| real/padded | examples/s | real tok/s vs {base} | est. {RECIPE_ITERS}x16 examples |"
    )
    rows = [head, "|" + "|".join("---" for _ in range(13)) + "|"]
    for name, r in results.items():
        ratio = f"{r.real_tokens_per_second / ref.real_tokens_per_second:.2f}x" if ref else "-"
        recipe_min = RECIPE_ITERS * 16 / r.examples_per_second / 60
        rows.append(
            f"| {name:<14}| {r.batch_size} | {r.order} | {'yes' if r.compiled else 'no'} | {r.openblas_threads} "
            f"| {r.seconds_per_step:.3f} | {r.steps_per_second:.2f} | {r.real_tokens_per_second:,.0f} "
            f"| {r.padded_tokens_per_second:,.0f} | {r.real_tokens / r.padded_tokens:.2f} "
            f"| {r.examples_per_second:.1f} | {ratio} | {recipe_min:.1f} min |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help="run one configuration here and print RESULT json")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--order", choices=["sorted", "random"], default="sorted")
    parser.add_argument("--compiled", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per config (more below batch 16)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps beyond one per batch shape")
    parser.add_argument("--trainer", action="store_true", help="time mlx-lm's trainer.train instead of the loop")
    parser.add_argument("--limit", type=int, default=None, help="use the first N corpus records only")
    parser.add_argument("--only", default="", help="comma-separated configuration names")
    args = parser.parse_args(argv)
    if args.worker:
        result = run_worker(
            args.batch_size, args.order, args.compiled, args.steps, args.warmup, args.limit, args.trainer
        )
        print(RESULT_PREFIX + json.dumps(asdict(result)), flush=True)
        return 0
    wanted = {n for n in args.only.split(",") if n}
    configs = [c for c in CONFIGS if not wanted or c.name in wanted]
    print(f"{os.cpu_count()} CPUs; {args.steps} timed steps per configuration, each in its own process", flush=True)
    results: dict[str, Result] = {}
    for config in configs:
        t0 = time.perf_counter()
        results[config.name] = r = spawn(config, args.steps, args.warmup, args.limit)
        print(
            f"{config.name}: {r.seconds_per_step:.3f} s/step, {r.real_tokens_per_second:,.0f} real tok/s, "
            f"{r.padded_tokens_per_second:,.0f} padded tok/s ({time.perf_counter() - t0:.0f}s wall; {r.blas})",
            flush=True,
        )
    print()
    print(table(results, "recipe"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
