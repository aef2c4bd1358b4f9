"""A syrupy extension storing one readable YAML file per query: ``snapshots/<lineage>/<category>/<id>.yaml``.

Syrupy's own layout puts files in ``__snapshots__`` beside the test module and finds unused
ones by matching file names to test names. Ours lives in a top-level folder chosen per model
lineage, so each test binds the extension to its file (``bind``), comparison ignores the
``raw`` blocks (``semantic_text``), and the extension takes no part in syrupy's unused-snapshot
discovery: a subset run (``-k``, ``-m``, ``-n 2``, with or without ``--snapshot-update``) never
reports or deletes the files of queries it did not run. Obsolete files (a query removed from
the suite or moved to another category) are found by ``obsolete_snapshots`` against the suite.

Plain Python: syrupy imports pytest itself, this module does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from syrupy.data import SnapshotCollection, SnapshotCollections
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from punie_eval.atomic import write_text
from punie_eval.errors import UsageError
from punie_eval.snapshots.record import render_record, semantic_text, snapshot_record
from punie_eval.types import QueryScore

if TYPE_CHECKING:
    from syrupy.location import PyTestLocation
    from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData, SnapshotIndex

SNAPSHOTS_DIRNAME = "snapshots"
SUFFIX = ".yaml"
_LINEAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def check_lineage(value: str) -> str:
    """A lineage names one folder: letters, digits, ``._+-``, not starting with a dot."""
    if not _LINEAGE.fullmatch(value):
        raise UsageError(
            f"--snapshot-lineage must be a folder name (letters, digits, '._+-', not starting with '.'), got {value!r}"
        )
    return value


def snapshot_path(root: Path, lineage: str, category: str, query_id: str) -> Path:
    """Where a query's snapshot lives: ``<root>/<lineage>/<category>/<id>.yaml``."""
    return root / lineage / category / f"{query_id}{SUFFIX}"


class QuerySnapshotExtension(SingleFileSnapshotExtension):
    """One YAML file per query at a path bound per test; ``raw`` blocks never fail a comparison."""

    file_extension = SUFFIX.removeprefix(".")
    _write_mode = WriteMode.TEXT
    location: ClassVar[Path | None] = None

    @classmethod
    def bind(cls, location: Path) -> type[QuerySnapshotExtension]:
        """A subclass whose snapshot is the file at ``location`` (syrupy instantiates classes)."""
        return type(cls.__name__, (cls,), {"location": location, "__module__": cls.__module__})

    @classmethod
    def _bound(cls) -> Path:
        if cls.location is None:
            raise TypeError("QuerySnapshotExtension is used through QuerySnapshotExtension.bind(path)")
        return cls.location

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        if isinstance(data, QueryScore):
            return render_record(snapshot_record(data))
        if isinstance(data, Mapping):
            return render_record(data)
        raise TypeError(f"a query snapshot must be a QueryScore or its record, got {type(data).__name__}")

    def matches(self, *, serialized_data: SerializableData, snapshot_data: SerializableData) -> bool:
        return semantic_text(str(serialized_data)) == semantic_text(str(snapshot_data))

    @classmethod
    def get_location(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        return str(cls._bound())

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(cls._bound().parent)

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(cls._bound().parent)

    @classmethod
    def matches_test_location(cls, *, test_location: PyTestLocation, snapshot_location: str) -> bool:
        return Path(snapshot_location) == cls._bound()

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        """Nothing: files of unselected queries are neither unused nor deletable (see module doc)."""
        return SnapshotCollections()

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: dict[str, int] | None = None
    ) -> None:
        """Atomically, unlike syrupy's ``open(path, "w")``: a full disk never leaves a 0-byte snapshot."""
        data = next(iter(snapshot_collection)).data
        if not isinstance(data, str):
            raise TypeError(f"a query snapshot must be rendered text, got {type(data).__name__}")
        write_text(Path(snapshot_collection.location), data)

    def diff_lines(self, serialized_data: SerializedData, snapshot_data: SerializedData) -> Iterator[str]:
        """Say which file changed before the lines that did."""
        yield f"{self._bound()} (- snapshot, + this run):"
        yield from super().diff_lines(serialized_data, snapshot_data)


def obsolete_snapshots(root: Path, lineage: str, expected: Iterable[tuple[str, str]]) -> list[Path]:
    """Files under ``<root>/<lineage>`` that no (category, query id) of the suite would write."""
    folder = root / lineage
    wanted = {snapshot_path(root, lineage, category, qid) for category, qid in expected}
    found = sorted(folder.glob(f"*/*{SUFFIX}")) if folder.is_dir() else []
    return [path for path in found if path not in wanted]


__all__ = [
    "SNAPSHOTS_DIRNAME",
    "QuerySnapshotExtension",
    "check_lineage",
    "obsolete_snapshots",
    "snapshot_path",
]
