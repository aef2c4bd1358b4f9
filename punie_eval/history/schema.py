"""The history database's tables and their migrations (``schema_version`` holds the applied version).

A database is opened in WAL mode (readers never block the one writer) with a busy timeout,
so concurrent runs and pytest-xdist sessions queue for the write lock instead of failing.
Migrations run in order, each in its own ``BEGIN IMMEDIATE`` transaction that re-reads the
version first: two processes opening an old database migrate it once. A database written
by a newer punie-eval is refused rather than guessed at.

Outcomes are keyed by (run, query, repeat): ``repeat`` is 0 for a greedy run; sampled runs
with ``--repeats K`` store one row per repeat.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from punie_eval.errors import DataError

BUSY_TIMEOUT_S = 60.0  # a writer holds the lock for one run's rows: milliseconds, but CI disks can stall

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, per-category counts, per-query outcomes, diagnosis counts
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,              -- metadata.run_uid: recording a run twice is one run
        started_at TEXT NOT NULL,              -- ISO 8601, UTC
        recorded_at TEXT NOT NULL,
        model_name TEXT NOT NULL,
        model_hash TEXT,
        model_path TEXT,
        adapter TEXT,
        backend TEXT NOT NULL,
        suite_name TEXT NOT NULL,
        suite_fingerprint TEXT NOT NULL,
        scorer_version TEXT NOT NULL,
        decoding TEXT NOT NULL,                -- JSON object
        project_commit TEXT,                   -- git revision of the project under test
        punie_commit TEXT,                     -- punie-eval's own revision (metadata.git_commit)
        complete INTEGER NOT NULL,
        n INTEGER NOT NULL,
        soft INTEGER NOT NULL,
        strict INTEGER NOT NULL,
        gate_passed INTEGER,                   -- NULL: no gate asked
        document TEXT NOT NULL                 -- the results JSON, so a run can be compared and exported
    );
    CREATE INDEX runs_by_model ON runs (model_name, started_at);
    CREATE INDEX runs_by_suite ON runs (suite_fingerprint, started_at);
    CREATE TABLE categories (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        category TEXT NOT NULL,
        n INTEGER NOT NULL,
        soft INTEGER NOT NULL,
        strict INTEGER NOT NULL,
        target REAL,
        floor REAL,
        PRIMARY KEY (run_id, category)
    );
    CREATE TABLE outcomes (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        query_id TEXT NOT NULL,
        repeat INTEGER NOT NULL,
        category TEXT NOT NULL,
        soft INTEGER NOT NULL,
        strict INTEGER NOT NULL,
        failing_layer TEXT,                    -- NULL on a strict pass
        failure TEXT,
        diagnoses TEXT NOT NULL,               -- one label per turn, comma-separated
        format_failure INTEGER NOT NULL,
        PRIMARY KEY (run_id, query_id, repeat)
    );
    CREATE TABLE diagnoses (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (run_id, label)
    );
    """,
    # 2: which adapter checkpoint a run evaluated (punie-eval checkpoints)
    """
    ALTER TABLE runs ADD COLUMN checkpoint_of TEXT;           -- the mlx_lm lora adapter folder
    ALTER TABLE runs ADD COLUMN checkpoint_iteration INTEGER;
    CREATE INDEX runs_by_checkpoint ON runs (checkpoint_of, checkpoint_iteration);
    """,
)  # each migration is split on ";" and run inside one transaction: no ";" inside a statement or comment
SCHEMA_VERSION = len(MIGRATIONS)


def _version(conn: sqlite3.Connection) -> int:
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not has_table:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the database lacks (up to ``upto``); returns the version it is at."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _version(conn)
            if version >= upto:
                conn.execute("COMMIT")
                return version
            if version == 0:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version VALUES (0)")
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def connect(path: Path, *, create: bool = True, upto: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """Open (and, with ``create``, create or migrate) the history database at ``path``.

    Raises DataError naming the file when it is missing (``create=False``), not an SQLite
    database, or written by a newer punie-eval.
    """
    path = Path(path).expanduser()
    if not create and not path.is_file():
        raise DataError(str(path), "history database does not exist", "run an evaluation first, or pass --history PATH")
    if path.is_dir():
        raise DataError(str(path), "history database must be a file, got a folder")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)  # transactions are explicit
    except sqlite3.Error as err:
        raise DataError(str(path), f"history database cannot be opened: {err}") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise DataError(str(path), "history database must allow WAL mode (is the folder read-only?)")
        version = _version(conn)
        if version > SCHEMA_VERSION:
            raise DataError(
                str(path),
                f"schema_version must be at most {SCHEMA_VERSION} (this punie-eval), got {version}",
                "upgrade punie-eval to read it",
            )
        if version < upto:
            migrate(conn, upto)
    except sqlite3.DatabaseError as err:
        conn.close()
        raise DataError(str(path), f"is not a punie-eval history database: {err}") from None
    except BaseException:
        conn.close()
        raise
    return conn


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "connect", "migrate"]
