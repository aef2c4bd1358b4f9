"""Atomic file writes: readers see the old file or the complete new one, never a partial one.

A file is written to a temporary file in its own folder and renamed over its path, so a
crash, a full disk or Ctrl-C leaves the old file (or none) and at most a ``.<name>.*.tmp``
file that every reader ignores. The new file gets the mode ``open(path, "w")`` would give it:
``0o666`` less the umask for a new file, the old file's mode for a replaced one (``mkstemp``
alone would make every output ``0600``).

A symlinked output path is written THROUGH: the file the link points to is replaced and the
link stays a link (``results/latest.json -> runs/today.json`` keeps working), as ``open``
would do; replacing the link itself would silently cut it.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

_NEW_FILE_MODE = 0o666


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux), else set and restored."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").split("\n"):
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def target_of(path: Path) -> Path:
    """Where writing ``path`` lands: the final target of a symlink (dangling or not), else ``path``."""
    path = Path(path)
    return path.resolve() if path.is_symlink() else path


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return _NEW_FILE_MODE & ~current_umask()


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) via a temporary file in the same folder and a rename."""
    path = target_of(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_with(path: Path, write: Callable[[Path], object], *, suffix: str = ".tmp") -> None:
    """Atomic like :func:`write_text` for a writer that takes a path (a library's own file writer).

    ``suffix`` ends the temporary file's name, for writers that choose the format by extension.
    """
    path = target_of(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{suffix}")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_staging_dir(final: Path) -> Path:
    """An empty folder beside ``final`` (same filesystem, so it can be renamed onto ``final``), umask mode."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    staged.chmod(0o777 & ~current_umask())
    return staged


def replace_dir(staged: Path, final: Path) -> None:
    """Move the fully built folder ``staged`` to ``final``; an existing ``final`` is swapped out, then deleted."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    staged.rename(final)
    if old is not None:
        shutil.rmtree(old)
