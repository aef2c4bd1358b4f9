"""The history store: real SQLite files, one transaction per run, versioned schema, concurrent writers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from history_runs import replay_run
from reliability import child_env

from punie_eval.errors import DataError, UsageError
from punie_eval.history.rows import run_rows
from punie_eval.history.schema import SCHEMA_VERSION, connect
from punie_eval.history.store import list_runs, load_run, record_run


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_history_store_records_every_row_of_a_run(tmp_path: Path) -> None:
    """A run is one runs row with its 7 categories, 57 outcomes at repeat 0 and its diagnosis counts."""
    db = tmp_path / "h.sqlite"
    run_id = record_run(db, replay_run(tmp_path))
    assert run_id == 1
    assert _count(db, "SELECT count(*) FROM categories WHERE run_id = 1") == 7
    assert _count(db, "SELECT count(*) FROM outcomes WHERE run_id = 1 AND repeat = 0") == 57
    assert _count(db, "SELECT sum(strict) FROM outcomes") == 6
    assert _count(db, "SELECT sum(count) FROM diagnoses") == 57 + 12  # one label per turn; 12 second turns
    [summary] = list_runs(db)
    assert (summary.id, summary.model_name, summary.n, summary.soft, summary.strict) == (1, "replay-model", 57, 57, 6)
    assert summary.complete


def test_history_store_uses_wal_and_records_schema_version(tmp_path: Path) -> None:
    """The database is in WAL mode and its schema_version is the current one."""
    db = tmp_path / "h.sqlite"
    record_run(db, replay_run(tmp_path))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_history_store_same_run_recorded_twice_is_one_run(tmp_path: Path) -> None:
    """Recording a run again (evaluate(history=) then conclude(history=)) keeps one run under its id."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path)
    assert record_run(db, result) == record_run(db, result) == 1
    assert _count(db, "SELECT count(*) FROM runs") == 1
    assert _count(db, "SELECT count(*) FROM outcomes") == 57


def test_history_store_load_run_round_trips_the_results(tmp_path: Path) -> None:
    """A recorded run reads back as the same results document."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path)
    assert load_run(db, record_run(db, result)).to_json() == result.to_json()


def test_history_store_keeps_a_lone_surrogate_of_a_raw_response(tmp_path: Path) -> None:
    """A raw response holding a lone surrogate (not encodable as UTF-8) is stored and read back unchanged."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path)
    first = result.records[0]
    odd = replace(first, failure="quoted \udc80", turns=(replace(first.turns[0], response="bad \udc80 byte"),))
    result = replace(result, records=(odd, *result.records[1:]))
    assert load_run(db, record_run(db, result)).records[0] == odd


def test_history_store_evaluate_records_when_given_a_history(tmp_path: Path) -> None:
    """evaluate(history=PATH) appends the run it returns."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path, history=db)
    assert load_run(db, 1).to_json() == result.to_json()


def test_history_store_results_file_without_run_uid_is_recorded_once(tmp_path: Path) -> None:
    """A results file from before metadata.run_uid is identified by its content: importing it twice is one run."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path)
    old = replace(result, metadata={k: v for k, v in result.metadata.items() if k != "run_uid"})
    assert record_run(db, old) == record_run(db, old) == 1


def test_history_store_two_runs_with_the_same_answers_are_two_runs(tmp_path: Path) -> None:
    """Two evaluations that give identical metadata and records (same second, same timings) stay two runs."""
    db = tmp_path / "h.sqlite"
    first, second = replay_run(tmp_path), replay_run(tmp_path)
    same = {**second.metadata, "started_at": first.metadata["started_at"], "timings": first.metadata["timings"]}
    assert [record_run(db, first), record_run(db, replace(second, metadata=same))] == [1, 2]


def test_history_store_filters_by_model_suite_and_date(tmp_path: Path) -> None:
    """list_runs filters by model name or hash prefix, suite and started_at; limit keeps the newest."""
    db = tmp_path / "h.sqlite"
    for name in ("alpha", "beta", "alpha"):
        record_run(db, replay_run(tmp_path / name, name=name))
    assert [r.id for r in list_runs(db, model="alpha")] == [1, 3]
    assert [r.id for r in list_runs(db, suite="punie-57", limit=2)] == [2, 3]
    today = list_runs(db)[0].started_at[:10]
    assert len(list_runs(db, since=today, until=today)) == 3
    assert list_runs(db, until="2000-01-01") == []
    with pytest.raises(UsageError, match="--since must be an ISO date"):
        list_runs(db, since="yesterday")


BAD_FILES = {
    "text-file": (b"not a database\n" * 100, "is not a punie-eval history database"),
    "missing": (None, "history database does not exist"),
}


@pytest.mark.parametrize(("content", "message"), BAD_FILES.values(), ids=BAD_FILES)
def test_history_store_bad_database_is_one_data_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    """A missing or non-SQLite history file is one DataError naming the file."""
    db = tmp_path / "h.sqlite"
    if content is not None:
        db.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        list_runs(db)
    assert str(db) in str(info.value)


def test_history_store_unopenable_path_is_one_data_error(tmp_path: Path) -> None:
    """A history whose folder does not exist is one DataError naming it, not an sqlite3 traceback."""
    db = tmp_path / "missing" / "h.sqlite"
    with pytest.raises(DataError, match=f"^{db}: history database cannot be opened: unable to open database file$"):
        record_run(db, replay_run(tmp_path))


def test_history_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    """A database written by a newer punie-eval is refused, not guessed at."""
    db = tmp_path / "h.sqlite"
    connect(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(DataError, match=f"schema_version must be at most {SCHEMA_VERSION} .*, got 99"):
        list_runs(db)


def test_history_store_migrates_a_version_1_database(tmp_path: Path) -> None:
    """A schema 1 database (before checkpoint columns) is migrated on open; its runs are kept."""
    db = tmp_path / "h.sqlite"
    result = replay_run(tmp_path)
    rows = run_rows(result)
    old = {k: v for k, v in asdict(rows.run).items() if not k.startswith("checkpoint_")}
    conn = connect(db, upto=1)
    conn.execute(f"INSERT INTO runs ({', '.join(old)}) VALUES ({', '.join('?' for _ in old)})", tuple(old.values()))
    conn.close()
    assert record_run(db, replay_run(tmp_path, name="newer")) == 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (2,)
        assert conn.execute("SELECT id, model_name, checkpoint_iteration FROM runs ORDER BY id").fetchall() == [
            (1, "replay-model", None),
            (2, "newer", None),
        ]


def test_history_store_unknown_run_id_names_the_database(tmp_path: Path) -> None:
    """Loading a run id that was never recorded is one DataError."""
    db = tmp_path / "h.sqlite"
    record_run(db, replay_run(tmp_path))
    with pytest.raises(DataError, match="run id must name a recorded run, got 7"):
        load_run(db, 7)


WRITER = """
import sys
from dataclasses import replace
from pathlib import Path
from punie_eval.evaluation.result import RunResult
from punie_eval.history.store import record_run
base = RunResult.read(sys.argv[1])
for i in range(int(sys.argv[4])):
    meta = {**base.metadata, "started_at": f"{sys.argv[3]}-{i:05d}", "run_uid": f"{sys.argv[3]}-{i}"}
    record_run(Path(sys.argv[2]), replace(base, metadata=meta))
    print(i, flush=True)
"""


def _writer(results: Path, db: Path, tag: str, runs: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", WRITER, str(results), str(db), tag, str(runs)]
    return subprocess.Popen(command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _whole_runs(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        partial = conn.execute(
            "SELECT runs.id FROM runs LEFT JOIN outcomes ON outcomes.run_id = runs.id "
            "GROUP BY runs.id HAVING count(outcomes.query_id) != runs.n"
        ).fetchall()
    assert partial == []


@pytest.mark.slow
def test_history_store_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Four processes recording into one new database at once: every run is there, whole."""
    results, db = tmp_path / "run.json", tmp_path / "h.sqlite"
    replay_run(tmp_path).write(results)
    writers = [_writer(results, db, f"w{k}", 5) for k in range(4)]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    assert _count(db, "SELECT count(*) FROM runs") == 20
    _whole_runs(db)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_history_store_interrupted_writer_leaves_only_whole_runs(tmp_path: Path, sig: signal.Signals) -> None:
    """Ctrl-C or a kill while a process records runs leaves each run whole or absent, never half-written."""
    results, db = tmp_path / "run.json", tmp_path / "h.sqlite"
    replay_run(tmp_path).write(results)
    writer = _writer(results, db, "w", 100_000)
    assert writer.stdout is not None
    for _ in range(3):  # a few runs in: the next one is being written when the signal lands
        assert writer.stdout.readline(), writer.communicate()[1]
    time.sleep(0.05)
    os.kill(writer.pid, sig)
    writer.communicate(timeout=60)
    assert writer.returncode != 0
    assert _count(db, "SELECT count(*) FROM runs") >= 3
    _whole_runs(db)
