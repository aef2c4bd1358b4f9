"""Make MLX's fp32 matmuls use OpenBLAS on Linux, and report which BLAS runs.

The Linux ``mlx[cpu]`` wheel resolves ``cblas_sgemm`` to a bundled netlib *reference*
BLAS (~8 GFLOP/s). Loading Debian's OpenBLAS with ``RTLD_GLOBAL`` *before the first
``import mlx``* makes libmlx bind to it instead (~240 GFLOP/s on 2 cores): training is
7-14x faster, batched generation 2-4x. Subprocesses (``mlx_lm lora``, ``mlx_lm server``)
get the same effect from ``LD_PRELOAD`` (:func:`blas_env`).

Weights trained and even greedy text generated under the two BLAS libraries can differ
(each is bit-reproducible on its own), so whatever records a run should record
:func:`load_fast_blas`'s answer.

``PUNIE_BLAS`` overrides the choice: a path to a CBLAS shared library, or ``reference``
to keep MLX's bundled BLAS.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from pathlib import Path

from punie_eval.errors import UsageError

ENV_VAR = "PUNIE_BLAS"
DISABLE = "reference"
REFERENCE = "reference (mlx bundled)"
KNOWN_LIBRARIES = (
    Path("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"),
    Path("/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0"),
)


def find_fast_blas() -> Path | None:
    """The CBLAS library to load: ``$PUNIE_BLAS``, else the first known OpenBLAS present, else None.

    Returns None on macOS (MLX uses Accelerate there) and when ``PUNIE_BLAS=reference``.
    Raises :class:`UsageError` when ``PUNIE_BLAS`` names a file that does not exist.
    """
    override = os.environ.get(ENV_VAR, "").strip()
    if override.lower() == DISABLE:
        return None
    if override:
        path = Path(override)
        if not path.is_file():
            raise UsageError(f"{ENV_VAR} must be a CBLAS shared library or {DISABLE!r}, got {override!r}")
        return path
    if not sys.platform.startswith("linux"):
        return None
    return next((p for p in KNOWN_LIBRARIES if p.is_file()), None)


def _describe(path: Path) -> str:
    name = "openblas" if "openblas" in path.name.lower() else "cblas"
    return f"{name} ({path})"


def _preloaded(path: Path) -> bool:
    """Whether ``path`` was put in front of libmlx by ``LD_PRELOAD`` of this process."""
    entries = os.environ.get("LD_PRELOAD", "").replace(":", " ").split()
    return any(Path(e).resolve() == path.resolve() for e in entries if e)


@functools.cache
def load_fast_blas() -> str:
    """Load the fast BLAS into the process (once) and describe the BLAS MLX will use.

    Call it before anything imports ``mlx``. The answer is memoised with
    :func:`functools.cache`, which is the only state this module keeps: later calls report
    what the first call did, even after mlx has been imported. If mlx was already imported
    before the first call, nothing is loaded (libmlx has bound its BLAS symbols already)
    and the answer says whether ``LD_PRELOAD`` put the library in front.

    Returns e.g. ``"openblas (/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0)"``,
    ``"accelerate (macOS)"`` or ``"reference (mlx bundled)"``.
    """
    if sys.platform == "darwin":
        return "accelerate (macOS)"
    path = find_fast_blas()
    if path is None:
        return REFERENCE
    if "mlx" in sys.modules or "mlx.core" in sys.modules:
        if _preloaded(path):
            return _describe(path)
        return f"{REFERENCE}; mlx was imported before load_fast_blas()"
    ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    return _describe(path)


def blas_env() -> dict[str, str]:
    """Environment additions that make a subprocess's MLX use the fast BLAS.

    Use as ``subprocess.run(cmd, env={**os.environ, **blas_env()})``. Empty when there is
    no fast BLAS (or ``PUNIE_BLAS=reference``); otherwise ``LD_PRELOAD`` with the library
    prepended to any existing value.
    """
    path = find_fast_blas()
    if path is None:
        return {}
    existing = os.environ.get("LD_PRELOAD", "")
    if _preloaded(path):
        return {"LD_PRELOAD": existing}
    return {"LD_PRELOAD": f"{path}:{existing}" if existing else str(path)}
