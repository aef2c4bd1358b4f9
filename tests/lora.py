"""A real LoRA run on the reference model for the tests: scripts/train_lora.sh on 16 cleaned examples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from punie_eval.paths import data_dir, reference_model_dir

REPO = Path(__file__).resolve().parents[1]


def train_lora(work: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Train into ``work/adapters`` with 2 LoRA layers and ``flags`` (``--iters``, ``--learning-rate``, ``-- …``)."""
    data = work / "data"
    data.mkdir()
    lines = (data_dir() / "corpus" / "clean" / "train.jsonl").read_text(encoding="utf-8").split("\n")
    (data / "train.jsonl").write_text("\n".join(lines[:16]) + "\n", encoding="utf-8")
    (data / "valid.jsonl").write_text("\n".join(lines[16:20]) + "\n", encoding="utf-8")
    command = ["bash", str(REPO / "scripts" / "train_lora.sh"), "--model", str(reference_model_dir())]
    command += ["--data", str(data), "--adapter-path", str(work / "adapters"), "--num-layers", "2", *flags]
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600)
