"""One CSV row per query outcome: the run's identity, the history's outcome row, the prompt and responses.

The per-query columns come from :func:`punie_eval.history.rows.outcome_rows`, the same mapping
the history uses, so a repeat of a sampled run is one more row here too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from punie_eval.evaluation.result import RunResult
from punie_eval.history.rows import OutcomeRow, outcome_rows

RUN_COLUMNS = (
    "started_at",
    "model",
    "model_hash",
    "adapter",
    "backend",
    "suite",
    "suite_fingerprint",
    "scorer_version",
)
TEXT_COLUMNS = ("critical", "families", "prompt", "response_1", "response_2")
COLUMNS = (*RUN_COLUMNS, *(f.name for f in fields(OutcomeRow)), *TEXT_COLUMNS)


def _run_cells(meta: Mapping[str, Any]) -> dict[str, Any]:
    model, suite = meta.get("model") or {}, meta.get("suite") or {}
    return {
        "started_at": meta.get("started_at"),
        "model": model.get("name"),
        "model_hash": model.get("hash"),
        "adapter": model.get("adapter"),
        "backend": meta.get("backend"),
        "suite": suite.get("name"),
        "suite_fingerprint": suite.get("fingerprint"),
        "scorer_version": meta.get("scorer_version"),
    }


def csv_text(result: RunResult) -> str:
    """The CSV file (header first; booleans as true/false, missing values empty)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    run = _run_cells(result.metadata)
    for record in result.records:
        responses = [t.response for t in record.turns]
        texts = {
            "critical": record.critical,
            "families": " ".join(record.families),
            "prompt": record.prompt,
            "response_1": responses[0] if responses else None,
            "response_2": responses[1] if len(responses) > 1 else None,
        }
        for outcome in outcome_rows(record):
            row = {**run, **asdict(outcome), **texts}
            writer.writerow({k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in row.items()})
    return out.getvalue()


__all__ = ["COLUMNS", "csv_text"]
