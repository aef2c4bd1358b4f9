"""Checkpoint curves: every adapter checkpoint of an ``mlx_lm lora`` run evaluated and recorded.

``mlx_lm lora --save-every N`` writes ``0000200_adapters.safetensors``, ``0000400_…`` beside
``adapter_config.json``. Each checkpoint is staged as an adapter folder of its own (the config
and that checkpoint's weights, hard-linked when the filesystem allows), evaluated on the base
model, and recorded in the history with ``metadata.checkpoint`` (the folder, the iteration and,
from the training log when given, the training and validation loss at that iteration).

The best checkpoint is the one with the most strict passes; ties go to fewer format failures,
then to the earlier iteration. Validation loss is shown beside it, not used to choose: the
users' best validation loss once gave one of their worst scores.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from punie_eval.errors import DataError, UsageError
from punie_eval.evaluation.result import RunResult
from punie_eval.generation.fingerprint import ADAPTER_FILES

CHECKPOINT = re.compile(r"^(\d+)_adapters\.safetensors$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# mlx_lm's training output, before and after its rich UI (0.31+): "Iter 200: Train loss 1.234, ..." /
# "   200    1.234 ▼    1,234    12.3k"; validation: "Iter 200: Val loss 1.456, ..." / "   200    val 1.456    0.12s"
_TRAIN = (re.compile(r"Iter (\d+): Train loss ([\d.]+)"), re.compile(r"^\s*(\d+)\s+([\d.]+) [▼▲]"))
_VAL = (re.compile(r"Iter (\d+): Val loss ([\d.]+)"), re.compile(r"^\s*(\d+)\s+val\s+([\d.]+)"))


@dataclass(frozen=True)
class Checkpoint:
    iteration: int
    weights: Path  # the numbered safetensors file


@dataclass(frozen=True)
class Losses:
    train: dict[int, float]
    val: dict[int, float]


@dataclass(frozen=True)
class CheckpointRun:
    """One evaluated checkpoint: its run (recorded in the history when ``run_id`` is set) and losses."""

    checkpoint: Checkpoint
    result: RunResult
    run_id: int | None
    train_loss: float | None
    val_loss: float | None

    @property
    def strict(self) -> int:
        return sum(r.strict for r in self.result.records)

    @property
    def soft(self) -> int:
        return sum(r.soft for r in self.result.records)

    @property
    def format_failures(self) -> int:
        """Queries with a wire-format problem in any turn."""
        return sum(r.wire_problem for r in self.result.records)

    @property
    def n(self) -> int:
        return len(self.result.records)


def find_checkpoints(adapters: Path) -> list[Checkpoint]:
    """The numbered checkpoints of an ``mlx_lm lora`` adapter folder, by iteration."""
    if not (adapters / ADAPTER_FILES[0]).is_file():
        raise UsageError(f"ADAPTERS_DIR: {adapters} must hold {ADAPTER_FILES[0]} (an mlx_lm lora --adapter-path)")
    found = [Checkpoint(int(m[1]), p) for p in adapters.iterdir() if (m := CHECKPOINT.match(p.name))]
    if not found:
        raise UsageError(
            f"ADAPTERS_DIR: {adapters} has no numbered *_adapters.safetensors checkpoints "
            "(mlx_lm lora --save-every N writes them)"
        )
    return sorted(found, key=lambda c: c.iteration)


def read_losses(path: Path) -> Losses:
    """Training and validation loss per iteration from an ``mlx_lm lora`` log (both output styles)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DataError(str(path), f"training log cannot be read: {err.strerror or err}") from None
    train: dict[int, float] = {}
    val: dict[int, float] = {}
    for line in _ANSI.sub("", text).splitlines():
        for patterns, into in ((_TRAIN, train), (_VAL, val)):
            for pattern in patterns:
                if m := pattern.search(line):
                    into[int(m[1])] = float(m[2])
    if not train and not val:
        raise DataError(str(path), "training log must hold mlx_lm lora loss lines ('Iter N: Train loss X'), got none")
    return Losses(train, val)


def stage(checkpoint: Checkpoint, adapters: Path, into: Path) -> Path:
    """An adapter folder holding ``adapters``' config and this checkpoint's weights (what mlx_lm.load reads)."""
    folder = into / f"{adapters.name}-{checkpoint.iteration:07d}"
    folder.mkdir()
    shutil.copyfile(adapters / ADAPTER_FILES[0], folder / ADAPTER_FILES[0])
    try:
        os.link(checkpoint.weights, folder / ADAPTER_FILES[1])
    except OSError:  # another filesystem, or links not allowed: a copy hashes the same
        shutil.copyfile(checkpoint.weights, folder / ADAPTER_FILES[1])
    return folder


def _nearest(losses: dict[int, float], iteration: int) -> float | None:
    """The loss reported at the checkpoint's iteration (the last report at or before it)."""
    before = [it for it in losses if it <= iteration]
    return losses[max(before)] if before else None


def evaluate_checkpoints(
    adapters: Path,
    evaluate_one: Callable[[Path], RunResult],
    *,
    losses: Losses | None = None,
    record: Callable[[RunResult], int] | None = None,
) -> list[CheckpointRun]:
    """Evaluate each checkpoint with ``evaluate_one(staged adapter folder)``; ``record`` appends it to the history."""
    out = []
    with tempfile.TemporaryDirectory(prefix="punie-checkpoints-") as tmp:
        for checkpoint in find_checkpoints(adapters):
            result = evaluate_one(stage(checkpoint, adapters, Path(tmp)))
            train = _nearest(losses.train, checkpoint.iteration) if losses else None
            val = _nearest(losses.val, checkpoint.iteration) if losses else None
            model = {**result.metadata["model"], "adapter": str(checkpoint.weights.resolve())}
            info = {"adapters": str(adapters.resolve()), "iteration": checkpoint.iteration}
            info |= {"file": checkpoint.weights.name, "train_loss": train, "val_loss": val}
            result = replace(result, metadata={**result.metadata, "model": model, "checkpoint": info})
            run_id = record(result) if record is not None else None
            out.append(CheckpointRun(checkpoint, result, run_id, train, val))
    return out


def best(runs: list[CheckpointRun]) -> CheckpointRun:
    """Most strict passes; then fewer format failures; then the earlier iteration."""
    return max(runs, key=lambda r: (r.strict, -r.format_failures, -r.checkpoint.iteration))


__all__ = ["Checkpoint", "CheckpointRun", "Losses", "best", "evaluate_checkpoints", "find_checkpoints", "read_losses"]
