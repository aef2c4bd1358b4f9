"""Checkpoint discovery, training logs and the best-checkpoint rule (no model: see test_checkpoints_command)."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_runs import GIT_DIFF, GIT_STATUS, replay_run

from punie_eval.errors import DataError, UsageError
from punie_eval.history.checkpoints import Checkpoint, CheckpointRun, best, find_checkpoints, read_losses

OLD_STYLE_LOG = """Loading pretrained model
Iter 1: Val loss 2.912, Val took 0.210s
Iter 100: Train loss 1.503, Learning Rate 1.000e-04, It/sec 3.1, Tokens/sec 812.0, Trained Tokens 26000
Iter 200: Val loss 1.201, Val took 0.200s
Iter 200: Train loss 1.100, Learning Rate 1.000e-04, It/sec 3.0, Tokens/sec 800.0, Trained Tokens 52000
Iter 200: Saved adapter weights to adapters/adapters.safetensors and adapters/0000200_adapters.safetensors.
"""
RICH_LOG = (  # mlx_lm 0.31+, colours included as they land in a file
    "  \x1b[1miter   train_loss     tok/s     tokens\x1b[0m\n"
    "  \x1b[38;5;244m   1\x1b[0m    \x1b[1;35mval\x1b[0m \x1b[1m0.064\x1b[0m    \x1b[38;5;244m0.09s\x1b[0m\n"
    "  \x1b[38;5;244m   2\x1b[0m    \x1b[1;32m4.425 ▼\x1b[0m    \x1b[1m  756\x1b[0m    \x1b[38;5;244m  0.1k\x1b[0m\n"
    "  \x1b[38;5;244m   4\x1b[0m    \x1b[1;35mval\x1b[0m \x1b[1m8.629\x1b[0m    \x1b[38;5;244m0.06s\x1b[0m\n"
    "  \x1b[38;5;244m   4\x1b[0m    \x1b[1;33m9.816 ▲\x1b[0m    \x1b[1m  560\x1b[0m    \x1b[38;5;244m  0.2k\x1b[0m\n"
)
LOGS = {
    "old-style": (OLD_STYLE_LOG, {100: 1.503, 200: 1.1}, {1: 2.912, 200: 1.201}),
    "rich": (RICH_LOG, {2: 4.425, 4: 9.816}, {1: 0.064, 4: 8.629}),
}


@pytest.mark.parametrize(("text", "train", "val"), LOGS.values(), ids=LOGS)
def test_checkpoints_read_losses_of_both_mlx_lm_styles(
    tmp_path: Path, text: str, train: dict[int, float], val: dict[int, float]
) -> None:
    """Training and validation loss per iteration, from the plain and the coloured mlx_lm output."""
    log = tmp_path / "train.log"
    log.write_text(text, encoding="utf-8")
    losses = read_losses(log)
    assert (losses.train, losses.val) == (train, val)


def test_checkpoints_log_without_losses_is_one_data_error(tmp_path: Path) -> None:
    """A file with no loss line is refused, naming the file."""
    log = tmp_path / "train.log"
    log.write_text("Loading pretrained model\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"{log}: training log must hold mlx_lm lora loss lines"):
        read_losses(log)


def test_checkpoints_found_in_iteration_order(tmp_path: Path) -> None:
    """Numbered *_adapters.safetensors files are the checkpoints, sorted by iteration; adapters.safetensors is not."""
    (tmp_path / "adapter_config.json").write_text("{}")
    for name in ("0001000_adapters.safetensors", "0000200_adapters.safetensors", "adapters.safetensors"):
        (tmp_path / name).write_bytes(b"")
    assert [c.iteration for c in find_checkpoints(tmp_path)] == [200, 1000]


BAD = {
    "no-config": (False, "must hold adapter_config.json"),
    "no-checkpoints": (True, r"has no numbered \*_adapters\.safetensors checkpoints \(mlx_lm lora --save-every N"),
}


@pytest.mark.parametrize(("config", "message"), BAD.values(), ids=BAD)
def test_checkpoints_folder_without_checkpoints_is_one_usage_error(tmp_path: Path, config: bool, message: str) -> None:
    """A folder that is not an adapter folder, or has no checkpoints, is one line with the fix."""
    if config:
        (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(UsageError, match=message):
        find_checkpoints(tmp_path)


def test_checkpoints_best_is_most_strict_then_fewest_format_failures(tmp_path: Path) -> None:
    """The best checkpoint passes the most queries strictly; on a tie the earlier iteration wins."""
    good, worse = replay_run(tmp_path / "good", code=GIT_STATUS), replay_run(tmp_path / "worse", code=GIT_DIFF)

    def run(iteration: int, result: object, val: float) -> CheckpointRun:
        return CheckpointRun(Checkpoint(iteration, tmp_path / f"{iteration}.safetensors"), result, None, None, val)  # type: ignore[arg-type]

    runs = [run(100, worse, 0.5), run(200, good, 0.9), run(300, good, 1.2)]
    assert best(runs).checkpoint.iteration == 200  # not the lowest validation loss (iteration 100)
