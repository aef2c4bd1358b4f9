"""Build and write small results documents (format punie-eval-results/1) for compare/report tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FINGERPRINT = "a" * 64
SCORER_VERSION = "1"


@dataclass(frozen=True)
class Q:
    """One query outcome: id, category, strict pass; soft defaults to strict."""

    id: str
    category: str
    strict: bool
    soft: bool | None = None
    critical: bool = False
    response: str = ""


def outcomes(category: str, passed: int, failed: int, prefix: str = "") -> list[Q]:
    """``passed`` passing then ``failed`` failing queries of one category, ids ``<prefix><category>-NN``."""
    return [Q(f"{prefix}{category}-{i:02d}", category, i < passed) for i in range(passed + failed)]


def results(
    queries: Sequence[Q],
    *,
    model: str = "model",
    fingerprint: str = FINGERPRINT,
    scorer_version: str = SCORER_VERSION,
    floors: Mapping[str, float] | None = None,
    missing: Sequence[str] = (),
) -> dict[str, Any]:
    """A results document in the documented format, with summary counts computed from ``queries``."""
    floors = floors or {}
    cats: dict[str, dict[str, Any]] = {}
    for q in queries:
        c = cats.setdefault(q.category, {"n": 0, "soft": 0, "strict": 0, "target": 0.8, "floor": 0.0})
        c["n"] += 1
        c["soft"] += int(q.strict if q.soft is None else q.soft)
        c["strict"] += int(q.strict)
    for name, value in floors.items():
        cats.setdefault(name, {"n": 0, "soft": 0, "strict": 0, "target": 0.8, "floor": 0.0})["floor"] = value
    return {
        "format": "punie-eval-results/1",
        "metadata": {
            "model": {"path": f"/models/{model}", "name": model, "hash": hashlib.sha256(model.encode()).hexdigest()},
            "backend": "replay",
            "blas": "openblas",
            "decoding": {"max_tokens": 512, "temperature": 0.0},
            "versions": {"python": "3.11.7", "mlx": "0.32", "mlx_lm": "0.32.2", "punie_eval": "0.1.0"},
            "scorer_version": scorer_version,
            "git_commit": "0" * 40,
            "coverage": {
                "complete": not missing,
                "queries": len(queries),
                "suite": len(queries) + len(missing),
                "missing": list(missing),
            },
            "suite": {"path": "data/queries.json", "name": "punie-57", "fingerprint": fingerprint},
            "started_at": "2025-01-01T00:00:00Z",
            "timings": {"generation_s": 1.0, "total_s": 2.0},
            "model_loads": 1,
        },
        "summary": {
            "overall": {
                "n": len(queries),
                "soft": sum(c["soft"] for c in cats.values()),
                "strict": sum(c["strict"] for c in cats.values()),
            },
            "categories": cats,
            "diagnoses": {},
            "gate": {"passed": True, "min_strict": 0.8, "reasons": []},
        },
        "queries": [
            {
                "id": q.id,
                "category": q.category,
                "families": ["none"],
                "critical": q.critical,
                "prompt": f"prompt of {q.id}",
                "soft": q.strict if q.soft is None else q.soft,
                "strict": q.strict,
                "failure": None if q.strict else f"identity: {q.id} called run_command",
                "turns": [
                    {
                        "turn": 1,
                        "response": q.response or f"{model} answer to {q.id}",
                        "finish_reason": "stop",
                        "diagnosis": {},
                        "layers": [],
                        "calls": [],
                        "field_reads": [],
                        "codes": [],
                    }
                ],
            }
            for q in queries
        ],
    }


def write(tmp_path: Path, name: str, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as JSON to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path
