"""``punie-eval checkpoints ADAPTERS_DIR --model BASE``: evaluate every checkpoint of a LoRA run.

Each numbered ``*_adapters.safetensors`` that ``mlx_lm lora --save-every N`` saved is evaluated
on BASE, recorded in the history, and tabled with its strict and soft accuracy, format
failures and (``--training-log``) training and validation loss; the best checkpoint is named.
``--html OUT`` writes the curve.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from punie_eval.atomic import write_text
from punie_eval.evaluation.result import RunResult
from punie_eval.evaluation.target import RunTarget
from punie_eval.history import HISTORY_NAME
from punie_eval.history.checkpoints import CheckpointRun, best, evaluate_checkpoints, read_losses
from punie_eval.options import DEFAULT_CACHE_DIR, RunOptions, Setting, build_options
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.reporting.gate import Counts
from punie_eval.reporting.text import table_lines
from punie_eval.values import existing_dir, existing_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("adapters", metavar="ADAPTERS_DIR", help="an mlx_lm lora --adapter-path with checkpoints")
    parser.add_argument("--model", required=True, metavar="BASE", help="the base model the adapter was trained on")
    parser.add_argument("--training-log", metavar="FILE", help="mlx_lm lora's output: plot the losses beside accuracy")
    parser.add_argument("--queries", metavar="FILE", help="query suite (default: the bundled 57 queries)")
    parser.add_argument("--max-tokens", default="512", metavar="N", help="new tokens per turn (512)")
    parser.add_argument("--cache-dir", default=DEFAULT_CACHE_DIR, metavar="DIR", help="generation cache")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the generation cache")
    parser.add_argument("--history", metavar="PATH", help=f"record each checkpoint here (default {HISTORY_NAME})")
    parser.add_argument("--no-history", action="store_true", help="do not record the checkpoints' runs")
    parser.add_argument("--html", type=Path, metavar="OUT", help="write the checkpoint curve here")


def _options(args: argparse.Namespace) -> RunOptions:
    return build_options(
        model=Setting(args.model, "--model"), queries=Setting(args.queries, "--queries"), max_tokens=args.max_tokens,
        results=None, backend="mlx", base_url=None, replay=None, cache_dir=args.cache_dir, no_cache=args.no_cache,
        gate=False, min_strict=0.8, floors=[], baseline=None, history=Setting(args.history, "--history"),
        no_history=args.no_history,
    )  # fmt: skip


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report(runs: Sequence[CheckpointRun]) -> list[str]:
    """The table of checkpoints, then the best one (and the lowest validation loss when it differs)."""
    rows = [
        (
            str(r.checkpoint.iteration), r.checkpoint.weights.name, str(Counts(r.strict, r.n)),
            str(Counts(r.soft, r.n)), str(r.format_failures), _loss(r.train_loss), _loss(r.val_loss),
            str(r.run_id or "-"),
        )
        for r in runs
    ]  # fmt: skip
    header = ("iteration", "checkpoint", "strict", "soft", "format", "train loss", "val loss", "run")
    lines = table_lines(header, rows)
    chosen = best(list(runs))
    lines.append(
        f"best checkpoint: {chosen.checkpoint.weights} (iteration {chosen.checkpoint.iteration}): "
        f"strict {Counts(chosen.strict, chosen.n)}, {chosen.format_failures} with a format failure"
    )
    with_val = [r for r in runs if r.val_loss is not None]
    lowest = min(with_val, key=lambda r: (r.val_loss, r.checkpoint.iteration)) if with_val else None
    if lowest is not None and lowest.strict < chosen.strict:
        lines.append(
            f"lowest val loss: iteration {lowest.checkpoint.iteration} ({_loss(lowest.val_loss)}), "
            f"strict {Counts(lowest.strict, lowest.n)}: validation loss would pick a worse checkpoint"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    from punie_eval.evaluation.evaluate import evaluate
    from punie_eval.history.curve import curve_html
    from punie_eval.history.store import record_run

    adapters = existing_dir("ADAPTERS_DIR", args.adapters)
    log = existing_file("--training-log", args.training_log) if args.training_log else None
    o = _options(args)
    refuse_overwriting_inputs(
        {"--html": args.html}, {"ADAPTERS_DIR": adapters, "--model": o.target.model, "--training-log": log}
    )
    losses = read_losses(log) if log is not None else None
    history = o.history

    def one(staged: Path) -> RunResult:
        print(f"punie-eval: evaluating {staged.name} on {o.target.model}", file=sys.stderr, flush=True)
        target = RunTarget.local(o.target.model or Path(args.model), staged)
        return evaluate(o.suite, target, o.decoding, cache=o.cache_dir, progress=None)

    record = (lambda result: record_run(history, result)) if history is not None else None
    runs = evaluate_checkpoints(adapters, one, losses=losses, record=record)
    print("\n".join(report(runs)))
    if history is not None:
        print(f"history: runs {runs[0].run_id}-{runs[-1].run_id} recorded in {history}")
    if args.html is not None:
        write_text(args.html, curve_html(runs, title=f"punie-eval checkpoints: {adapters} on {o.target.name}"))
        print(f"checkpoint curve: {args.html}")
    return 0
