"""The results JSON of an evaluation run (format ``punie-eval-results/1``, docs/architecture.md).

run_metadata(...)               model, backend, BLAS, decoding, versions, git commit, suite, run uid, timings
build_results(...)              the whole document
write_results(path, doc)        atomic: a temporary file in the same folder, then os.replace
read_results(path)              read and check the format; DataError names what is wrong
"""

from __future__ import annotations

import json
import platform
import subprocess
import uuid
from collections.abc import Iterable, Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from punie_eval import jsontext
from punie_eval.atomic import write_text
from punie_eval.errors import DataError
from punie_eval.jsonl import escape_surrogates
from punie_eval.queries import QuerySuite

RESULTS_FORMAT = "punie-eval-results/1"
VERSIONED_PACKAGES = {"mlx": "mlx", "mlx_lm": "mlx-lm", "punie_eval": "punie-eval"}
QUERY_KEYS = ("id", "category", "families", "critical", "prompt", "soft", "strict", "failure", "turns")
TURN_KEYS = ("turn", "response", "finish_reason", "diagnosis", "layers", "calls", "field_reads", "codes")


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: tuples become lists, anything exotic its repr."""
    plain: dict[str, Any] = json.loads(json.dumps(value, default=repr))
    return plain


def git_commit(cwd: Path | None = None) -> str | None:
    """The project's current commit, or None outside a git checkout or without git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd or Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, dist in VERSIONED_PACKAGES.items():
        try:
            versions[key] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            versions[key] = None
    if versions["punie_eval"] is None:
        from punie_eval import __version__  # not installed: the source tree's version

        versions["punie_eval"] = __version__
    return versions


def timings(generation_s: float | None, total_s: float, tokens: int | None, generated: int | None) -> dict[str, Any]:
    """Seconds in the backend and in all, tokens and conversations generated here (not from the cache)."""
    rate = round(tokens / generation_s, 1) if tokens and generation_s else None
    return {
        "generation_s": generation_s,
        "total_s": round(total_s, 3),
        "generated": generated,
        "tokens": tokens,
        "tokens_per_s": rate,
    }


def run_metadata(
    *,
    model: Mapping[str, Any],
    backend: str,
    blas: str | None,
    decoding: Mapping[str, Any],
    scorer_version: str | None,
    suite: QuerySuite,
    started_at: str,
    generation_s: float | None,
    total_s: float,
    model_loads: int | None,
    tokens: int | None = None,
    generated: int | None = None,
) -> dict[str, Any]:
    return _plain(
        {
            "model": {
                "path": model.get("path"),
                "name": model.get("name"),
                "hash": model.get("hash"),
                "adapter": model.get("adapter"),
            },
            "backend": backend,
            "blas": blas,
            "decoding": dict(decoding),
            "versions": package_versions(),
            "scorer_version": scorer_version,
            "git_commit": git_commit(),
            "suite": {
                "path": str(suite.path),
                "name": suite.name,
                "fingerprint": suite.fingerprint,
                "system_prompt": suite.system_prompt,
                "tools": {
                    "name": suite.registry.name,
                    "path": str(suite.registry.root),
                    "fingerprint": suite.registry.fingerprint,
                },
            },
            "started_at": started_at,
            "run_uid": uuid.uuid4().hex,  # tells apart two runs whose metadata and answers happen to match
            "timings": timings(generation_s, total_s, tokens, generated),
            "model_loads": model_loads,
        }
    )


def build_results(
    records: Iterable[Mapping[str, Any]], metadata: Mapping[str, Any], summary: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "format": RESULTS_FORMAT,
        "metadata": dict(metadata),
        "summary": dict(summary),
        "queries": [dict(r) for r in records],
    }


def write_results(path: Path, document: Mapping[str, Any]) -> None:
    """Write atomically: readers see the old file or the complete new one, never a partial one."""
    path = Path(path)
    text = escape_surrogates(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"  # raw model text
    write_text(path, text)


def _require(where: str, value: Any, keys: Iterable[str], what: str) -> None:
    if not isinstance(value, dict):
        raise DataError(where, f"{what} must be an object, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise DataError(where, f"{what} must have {', '.join(missing)}")


def check_results(document: Any, where: str) -> None:
    """Raise DataError unless ``document`` has the shape of a results file."""
    _require(where, document, ("format", "metadata", "summary", "queries"), "the document")
    if document["format"] != RESULTS_FORMAT:
        raise DataError(where, f"format must be {RESULTS_FORMAT!r}, got {document['format']!r}")
    _require(where, document["metadata"], ("model", "backend", "suite", "scorer_version"), "metadata")
    _require(where, document["summary"], ("overall", "categories", "diagnoses"), "summary")
    if not isinstance(document["queries"], list):
        raise DataError(where, f"queries must be a list, got {type(document['queries']).__name__}")
    seen: set[str] = set()
    for i, query in enumerate(document["queries"]):
        _require(where, query, QUERY_KEYS, f"queries[{i}]")
        if not isinstance(query["id"], str) or query["id"] in seen:
            raise DataError(where, f"queries[{i}].id must be a unique string, got {query['id']!r}")
        seen.add(query["id"])
        if not isinstance(query["soft"], bool) or not isinstance(query["strict"], bool):
            raise DataError(where, f"queries[{i}].soft and .strict must be booleans (id {query['id']!r})")
        if not isinstance(query["turns"], list):
            raise DataError(where, f"queries[{i}].turns must be a list (id {query['id']!r})")
        for j, turn in enumerate(query["turns"]):
            _require(where, turn, TURN_KEYS, f"queries[{i}].turns[{j}]")


def read_results(path: Path | str) -> dict[str, Any]:
    """Read a results file written by :func:`write_results`, checking its format."""
    path = Path(path)
    try:
        document = jsontext.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(str(path), "results file does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(str(path), f"cannot be read as UTF-8 text: {err}") from None
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg}") from None
    check_results(document, str(path))
    return dict(document)
