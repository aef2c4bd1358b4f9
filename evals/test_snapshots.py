"""Snapshot tests: each query's scored record (calls normalised) against ``snapshots/<lineage>/``.

One file per query, ``snapshots/<lineage>/<category>/<id>.yaml``; accept changes with
``--snapshot-update`` and review them with ``git diff snapshots/`` (docs/snapshots.md).
"""

from __future__ import annotations

from syrupy.assertion import SnapshotAssertion

from punie_eval.queries import Query
from punie_eval.snapshots.record import snapshot_record
from punie_eval.types import QueryScore


def test_snapshot(punie_query: Query, punie_score: QueryScore, punie_snapshot: SnapshotAssertion) -> None:
    """The query's record (verdicts, diagnosis, normalised calls, tools, fields) matches its snapshot."""
    assert punie_snapshot == snapshot_record(punie_score)
