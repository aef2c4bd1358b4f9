"""A RUN argument: a results file, a run id of the history, or ``[MODEL@]last[~N]``.

``last`` is the newest run, ``last~1`` the one before it; ``reference-model@last~1`` counts
only that model's runs (name or hash prefix). A path that exists is always a file, so a
results file named ``12`` still reads as a file; anything else that is not a run reference
is read as a results file (and a missing one says so).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from punie_eval.errors import UsageError
from punie_eval.history.store import list_runs, load_document
from punie_eval.reporting.results import read_results

_LAST = re.compile(r"^(?:(?P<model>.+)@)?last(?:~(?P<back>\d+))?$")


def run_id_of(ref: str, history: Path) -> int:
    """The run id that ``ref`` (a number or ``[MODEL@]last[~N]``) names in ``history``."""
    if ref.isdigit():
        return int(ref)
    match = _LAST.match(ref)
    if match is None:
        raise UsageError(f"RUN must be a results file, a run id or [MODEL@]last[~N], got {ref!r} (no such file either)")
    model, back = match["model"], int(match["back"] or 0)
    runs = list_runs(history, model=model)
    if back >= len(runs):
        whose = f" of {model}" if model else ""
        raise UsageError(f"RUN {ref!r} must name a recorded run, but {history} holds {len(runs)} run(s){whose}")
    return runs[-1 - back].id


def is_run_ref(ref: str) -> bool:
    """Whether ``ref`` is a run id or ``[MODEL@]last[~N]`` rather than a file (an existing file always wins)."""
    return not Path(ref).expanduser().is_file() and (ref.isdigit() or _LAST.match(ref) is not None)


def resolve_run(ref: str, history: Path) -> dict[str, Any]:
    """The results document that ``ref`` names: a recorded run's, else a results file's."""
    if is_run_ref(ref):
        return load_document(history, run_id_of(ref, history))
    return read_results(Path(ref).expanduser())


def input_path(ref: str, history: Path) -> Path:
    """The file a RUN argument reads (for the no-output-replaces-an-input check)."""
    return history if is_run_ref(ref) else Path(ref).expanduser()


__all__ = ["input_path", "is_run_ref", "resolve_run", "run_id_of"]
