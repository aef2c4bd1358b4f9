"""Atomic writes: the usual mode under the umask, written through symlinks, the old file kept when a write fails."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from punie_eval.atomic import write_text


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)], ids=["022", "077", "002"])
def test_atomic_new_file_gets_the_umask_mode(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    """A new file has 0666 less the umask, as open() gives it (not mkstemp's 0600)."""
    os.umask(mask)
    write_text(tmp_path / "out.json", "{}")
    assert _mode(tmp_path / "out.json") == mode


def test_atomic_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    """Replacing a file keeps the mode its owner gave it."""
    path = tmp_path / "out.json"
    path.write_text("old")
    path.chmod(0o640)
    write_text(path, "new")
    assert (path.read_text(), _mode(path)) == ("new", 0o640)


def test_atomic_symlinked_output_is_written_through(tmp_path: Path, umask: None) -> None:
    """A symlinked output keeps its link; the file it points to gets the new text."""
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "today.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("runs") / "today.json")
    write_text(link, "new")
    assert (link.is_symlink(), target.read_text(), sorted(p.name for p in (tmp_path / "runs").iterdir())) == (
        True,
        "new",
        ["today.json"],
    )


def test_atomic_dangling_symlink_creates_its_target(tmp_path: Path, umask: None) -> None:
    """A link to a file not yet written is followed: the target is created, the link kept."""
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "made.json")
    write_text(link, "new")
    assert (link.is_symlink(), (tmp_path / "made.json").read_text()) == (True, "new")


def test_atomic_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk at the rename (injected ENOSPC) leaves the old bytes and no temporary file."""
    path = tmp_path / "out.json"
    path.write_text("old")

    def no_space(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match="No space left on device"):
        write_text(path, "new")
    assert (path.read_text(), [p.name for p in tmp_path.iterdir()]) == ("old", ["out.json"])
