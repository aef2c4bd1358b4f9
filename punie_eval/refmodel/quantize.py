"""Fuse and quantize with the mlx-lm CLI, exactly as the users' pipeline does (``scripts/``).

Group size 64 (the users' setting): every quantizable dimension of the reference shapes
(hidden 128/256, heads x head_dim 128/256, intermediate 384/768) is a multiple of 64, so all
Linear layers and the tied embedding are quantized (``quantize_model`` silently leaves a layer
in float when the group size does not divide its input dimension). 5 bits at group 64 with
fp32 scales and biases costs 6.03 bits per weight.

On CPU the quantized model is *slower* than fp32 (quantized matmuls do not use BLAS): it
saves disk and memory, not time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from punie_eval.errors import ModelError
from punie_eval.generation.blas import blas_env

BITS = 5
GROUP_SIZE = 64


def _run_mlx_lm(args: list[str]) -> None:
    cmd = [sys.executable, "-m", "mlx_lm", *args]
    proc = subprocess.run(cmd, env={**os.environ, **blas_env()}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise ModelError(f"{' '.join(cmd[2:5])}: exited with {proc.returncode}: {tail[0]}")


def quantize(src: Path, dst: Path, *, bits: int = BITS, group_size: int = GROUP_SIZE) -> None:
    """``python -m mlx_lm convert -q``: write the ``bits``-bit model of ``src`` to ``dst`` (must not exist)."""
    _run_mlx_lm(
        [
            "convert",
            "--model",
            str(src),
            "--mlx-path",
            str(dst),
            "-q",
            "--q-bits",
            str(bits),
            "--q-group-size",
            str(group_size),
        ]
    )


def fuse(base: Path, adapter_path: Path, dst: Path, *, dequantize: bool = False) -> None:
    """``python -m mlx_lm fuse``: fold the adapters in ``adapter_path`` into ``base``, save to ``dst``."""
    extra = ["--dequantize"] if dequantize else []
    _run_mlx_lm(["fuse", "--model", str(base), "--adapter-path", str(adapter_path), "--save-path", str(dst), *extra])
