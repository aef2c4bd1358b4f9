"""`punie-eval checkpoints`: a real LoRA run (scripts/train_lora.sh saving twice) evaluated checkpoint by checkpoint."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lora import train_lora
from punie_pytester import MINI_SUITE
from reliability import child_env

from punie_eval.history.checkpoints import read_losses
from punie_eval.paths import reference_model_dir

pytestmark = pytest.mark.slow  # trains a LoRA adapter and loads a model per checkpoint
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """train_lora.sh, 4 iterations saving every 2 (two checkpoints), its log, and the 4-query mini suite."""
    work = tmp_path_factory.mktemp("lora")
    done = train_lora(work, "--iters", "4", "--learning-rate", "1e-4", "--save-every", "2", "--", "--val-batches", "1",
                      "--steps-per-report", "2", "--steps-per-eval", "2")  # fmt: skip
    out, log = work / "adapters", work / "train.log"
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    suite = work / "mini.json"
    suite.write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    return out, log, suite


@pytest.fixture(scope="module")
def outcome(trained: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    adapters, log, suite = trained
    work = tmp_path_factory.mktemp("checkpoints")
    db, page = work / "h.sqlite", work / "curve.html"
    command = ["checkpoints", str(adapters), "--model", str(reference_model_dir()), "--training-log", str(log)]
    command += ["--queries", str(suite), "--cache-dir", str(work / "cache"), "--history", str(db), "--html", str(page)]
    done = subprocess.run(
        [sys.executable, "-m", "punie_eval.cli", *command], env=child_env(), capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, db, page


def test_checkpoints_command_tables_each_checkpoint_and_names_the_best(outcome: tuple[str, Path, Path]) -> None:
    """One line per checkpoint with accuracy, format failures and both losses; the best is named."""
    out = outcome[0]
    assert re.search(r"^2 +0000002_adapters\.safetensors +\d/4 .*  \d+\.\d{3} +\d+\.\d{3} +1$", out, re.M), out
    assert re.search(r"^4 +0000004_adapters\.safetensors +\d/4 .*  \d+\.\d{3} +\d+\.\d{3} +2$", out, re.M), out
    assert re.search(r"^best checkpoint: .*/adapters/000000[24]_adapters\.safetensors \(iteration [24]\)", out, re.M)


def test_checkpoints_command_records_each_checkpoint_in_the_history(
    outcome: tuple[str, Path, Path], trained: tuple[Path, Path, Path]
) -> None:
    """Each checkpoint is a run with its iteration, its adapter file as identity and distinct hashes."""
    with sqlite3.connect(outcome[1]) as conn:
        rows = conn.execute(
            "SELECT checkpoint_iteration, checkpoint_of, adapter, model_name, model_hash, n FROM runs ORDER BY id"
        ).fetchall()
    adapters = trained[0].resolve()
    assert [r[:4] for r in rows] == [
        (2, str(adapters), str(adapters / "0000002_adapters.safetensors"), "reference-model+adapters-0000002"),
        (4, str(adapters), str(adapters / "0000004_adapters.safetensors"), "reference-model+adapters-0000004"),
    ]
    assert rows[0][4] != rows[1][4]
    assert [r[5] for r in rows] == [4, 4]


def test_checkpoints_command_losses_match_the_training_log(
    outcome: tuple[str, Path, Path], trained: tuple[Path, Path, Path]
) -> None:
    """The losses recorded with each checkpoint are the log's at that iteration."""
    losses = read_losses(trained[1])
    with sqlite3.connect(outcome[1]) as conn:
        documents = [json.loads(d) for (d,) in conn.execute("SELECT document FROM runs ORDER BY id")]
    recorded = [(d["metadata"]["checkpoint"]["train_loss"], d["metadata"]["checkpoint"]["val_loss"]) for d in documents]
    assert recorded == [(losses.train[2], losses.val[2]), (losses.train[4], losses.val[4])]


def test_checkpoints_command_writes_the_curve(outcome: tuple[str, Path, Path]) -> None:
    """The curve page is self-contained, plots both checkpoints and highlights the best row."""
    page = outcome[2].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page)
    assert page.count('<tr class="best">') == 1
    assert len(re.findall(r"<title>iteration [24]: strict \d/4", page)) == 2
