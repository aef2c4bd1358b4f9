"""Run-wide state of the pytest plugin, kept in ``config.stash`` (one per pytest process).

Both halves of the plugin (queries and snapshots) read the resolved options from here; the
records gathered from test reports (also from pytest-xdist workers) are collected here too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from punie_eval.evaluation.conclude import Conclusion
from punie_eval.options import RunOptions


@dataclass
class RunState:
    options: RunOptions
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # query id -> record JSON
    errors: dict[str, str | None] = field(default_factory=dict)  # query id -> error of a report without record
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # generating process -> run metadata
    conclusion: Conclusion | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started


STATE = pytest.StashKey[RunState]()

__all__ = ["STATE", "RunState"]
