"""Run history: every run appended to one SQLite database, listed, compared and plotted.

    schema.py   tables, ``schema_version`` and the migrations; opening a database (WAL)
    rows.py     the ONE mapping from a RunResult to rows (run, categories, outcomes, diagnoses)
    store.py    record a run in one transaction, list runs, load a run back as a RunResult
    refs.py     a RUN argument: a results file, a run id or ``[MODEL@]last[~N]``
    trend.py    the self-contained trend page (strict and soft per category, Wilson bands)

Nothing here imports pytest or mlx; the plugin's controller and ``evaluate()`` both record
through :func:`punie_eval.history.store.record_run`.
"""

from __future__ import annotations

from pathlib import Path

HISTORY_NAME = ".punie-history.sqlite"


def default_history(cache_dir: Path | str) -> Path:
    """The default database: ``.punie-history.sqlite`` beside the generation cache folder."""
    return Path(cache_dir).expanduser().parent / HISTORY_NAME


__all__ = ["HISTORY_NAME", "default_history"]
