"""Record runs in the history database and read them back.

``record_run`` writes a run's rows in ONE ``BEGIN IMMEDIATE`` transaction: a Ctrl-C, a kill
or a full disk leaves the database as it was before the run, never a run without its
outcomes. Recording the same run again (same ``metadata.run_uid``) replaces its rows under
the same id, so ``evaluate(history=...)`` followed by ``conclude(history=...)`` is one run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from punie_eval.errors import DataError, UsageError
from punie_eval.evaluation.result import RunResult
from punie_eval.history.rows import RunRows, run_rows
from punie_eval.history.schema import connect
from punie_eval.reporting.results import check_results, git_commit


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock upgrading a read lock
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(values.values()))
    return int(cursor.lastrowid or 0)


def write_rows(conn: sqlite3.Connection, rows: RunRows) -> int:
    """Write one run's rows inside the caller's transaction; returns the run id."""
    run = asdict(rows.run)
    found = conn.execute("SELECT id FROM runs WHERE uid = ?", (rows.run.uid,)).fetchone()
    if found is None:
        run_id = _insert(conn, "runs", run)
    else:
        run_id = int(found[0])
        conn.execute(
            f"UPDATE runs SET {', '.join(f'{k} = ?' for k in run)} WHERE id = ?",
            (*run.values(), run_id),
        )
        for table in ("categories", "outcomes", "diagnoses"):
            conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
    for category in rows.categories:
        _insert(conn, "categories", {"run_id": run_id, **asdict(category)})
    conn.executemany(
        "INSERT INTO outcomes (run_id, query_id, repeat, category, soft, strict, failing_layer, failure, diagnoses, "
        "format_failure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, *asdict(o).values()) for o in rows.outcomes],
    )
    conn.executemany(
        "INSERT INTO diagnoses (run_id, label, count) VALUES (?, ?, ?)", [(run_id, *d) for d in rows.diagnoses]
    )
    return run_id


def record_run(path: Path | str, result: RunResult, *, project: Path | None = None) -> int:
    """Append ``result`` to the history at ``path`` (created if missing); returns its run id.

    ``project`` is the project under test whose git revision is recorded (default: the
    current folder).
    """
    rows = run_rows(result, project_commit=git_commit(project or Path.cwd()))
    conn = connect(Path(path))
    try:
        with _transaction(conn):
            return write_rows(conn, rows)
    except sqlite3.Error as err:  # a read-only file, a full disk: the transaction was rolled back
        raise DataError(str(path), f"cannot record the run: {err}") from None
    finally:
        conn.close()


@dataclass(frozen=True)
class RunSummary:
    """One line of ``punie-eval history``."""

    id: int
    started_at: str
    model_name: str
    model_hash: str | None
    adapter: str | None
    backend: str
    suite_name: str
    suite_fingerprint: str
    scorer_version: str
    project_commit: str | None
    complete: bool
    n: int
    soft: int
    strict: int
    gate_passed: bool | None
    checkpoint_of: str | None = None  # the adapter folder of a `punie-eval checkpoints` run
    checkpoint_iteration: int | None = None


_SUMMARY_COLUMNS = (
    "id, started_at, model_name, model_hash, adapter, backend, suite_name, suite_fingerprint, scorer_version, "
    "project_commit, complete, n, soft, strict, gate_passed, checkpoint_of, checkpoint_iteration"
)


def _summary(row: tuple[Any, ...]) -> RunSummary:
    values = list(row)
    values[10] = bool(values[10])
    values[14] = None if values[14] is None else bool(values[14])
    return RunSummary(*values)


def day_bound(where: str, text: str, *, end: bool) -> str:
    """An ISO date or date-time as a bound on ``started_at``; a date-only ``until`` includes that day."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return (day + timedelta(days=1) if end else day).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"{where} must be an ISO date (2026-12-02) or date-time, got {text!r}") from None


def list_runs(
    path: Path | str,
    *,
    model: str | None = None,
    suite: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> list[RunSummary]:
    """Runs in the order they started (the newest last), filtered by model name or hash prefix,
    suite name or fingerprint prefix, and ``since``/``until`` dates; ``limit`` keeps the newest."""
    where, params = ["1"], []
    if model is not None:
        where.append("(model_name = ? OR model_hash LIKE ? || '%')")
        params += [model, model]
    if suite is not None:
        where.append("(suite_name = ? OR suite_fingerprint LIKE ? || '%')")
        params += [suite, suite]
    if since is not None:
        where.append("started_at >= ?")
        params.append(day_bound("--since", since, end=False))
    if until is not None:
        where.append("started_at < ?")
        params.append(day_bound("--until", until, end=True))
    query = f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE {' AND '.join(where)} ORDER BY started_at DESC, id DESC"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    conn = connect(Path(path), create=False)
    try:
        return [_summary(row) for row in reversed(conn.execute(query, params).fetchall())]
    finally:
        conn.close()


def load_document(path: Path | str, run_id: int) -> dict[str, Any]:
    """The results document of run ``run_id``."""
    conn = connect(Path(path), create=False)
    try:
        row = conn.execute("SELECT document FROM runs WHERE id = ?", (run_id,)).fetchone()
    finally:
        conn.close()
    if row is None:
        raise DataError(str(path), f"run id must name a recorded run, got {run_id}", "punie-eval history lists them")
    document: dict[str, Any] = json.loads(row[0])
    check_results(document, f"{path} run {run_id}")
    return document


def load_run(path: Path | str, run_id: int) -> RunResult:
    """Run ``run_id`` as a RunResult (what compare, export and the trend page read)."""
    return RunResult.from_json(load_document(path, run_id), f"{path} run {run_id}")


def category_counts(path: Path | str, run_ids: list[int]) -> dict[int, dict[str, tuple[int, int, int]]]:
    """Per run, per category: (n, soft, strict); the overall counts under ``"overall"``."""
    conn = connect(Path(path), create=False)
    marks = ", ".join("?" for _ in run_ids)
    try:
        rows = conn.execute(
            f"SELECT run_id, category, n, soft, strict FROM categories WHERE run_id IN ({marks})", run_ids
        ).fetchall()
        overall = conn.execute(f"SELECT id, n, soft, strict FROM runs WHERE id IN ({marks})", run_ids).fetchall()
    finally:
        conn.close()
    out: dict[int, dict[str, tuple[int, int, int]]] = {run_id: {} for run_id in run_ids}
    for run_id, n, soft, strict in overall:
        out[run_id]["overall"] = (n, soft, strict)
    for run_id, category, n, soft, strict in rows:
        out[run_id][category] = (n, soft, strict)
    return out


__all__ = ["RunSummary", "category_counts", "list_runs", "load_document", "load_run", "record_run", "write_rows"]
