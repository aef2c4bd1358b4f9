"""Score responses recorded elsewhere (on a Mac, in CI, by another tool): no model at all.

Two inputs are accepted:

* JSONL, one line per query::

      {"id": "git_status", "responses": ["turn 1 raw text", "turn 2 raw text"],
       "finish_reasons": ["stop", "stop"]}          # finish_reasons optional

* a punie-eval results file (``"format": "punie-eval-results/1"``): each query's
  ``turns[].response`` and ``turns[].finish_reason``; the model identity comes from its metadata.

The conversation's turn number (1 + its assistant messages) picks the recorded response.
Every error names ``file:line``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_eval import jsontext
from punie_eval.errors import DataError
from punie_eval.generation.backends.base import Done, ModelIdentity, Request
from punie_eval.reporting.results import RESULTS_FORMAT
from punie_eval.types import FINISH_REASONS, FinishReason, Response


@dataclass(frozen=True)
class Recorded:
    """The recorded turns of one query and the line they came from."""

    responses: tuple[Response, ...]
    line: int


def _finish(where: str, value: object) -> FinishReason | None:
    if value is None:
        return None
    if value in FINISH_REASONS:
        return FINISH_REASONS[FINISH_REASONS.index(value)]
    raise DataError(where, f"finish_reasons must be one of {', '.join(FINISH_REASONS)} or null, got {value!r}")


def _jsonl_record(where: str, raw: object) -> tuple[str, tuple[Response, ...]]:
    if not isinstance(raw, dict):
        raise DataError(where, f"each line must be a JSON object, got {type(raw).__name__}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not qid:
        raise DataError(where, f"id must be a non-empty string, got {qid!r}")
    texts = raw.get("responses")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise DataError(where, f"responses must be a non-empty list of strings, got {texts!r}")
    reasons = raw.get("finish_reasons", [None] * len(texts))
    if not isinstance(reasons, list) or len(reasons) != len(texts):
        raise DataError(where, f"finish_reasons must be a list as long as responses ({len(texts)}), got {reasons!r}")
    return qid, tuple(Response(t, _finish(where, r)) for t, r in zip(texts, reasons, strict=True))


def _id_line(text: str, qid: str) -> int:
    match = re.search(rf'"id"\s*:\s*"{re.escape(qid)}"', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _results_records(path: Path, text: str, data: Mapping[str, Any]) -> dict[str, Recorded]:
    queries = data.get("queries")
    if not isinstance(queries, list):
        raise DataError(f"{path}:1", f"queries must be a list, got {type(queries).__name__}")
    out: dict[str, Recorded] = {}
    for i, q in enumerate(queries):
        qid = q.get("id") if isinstance(q, dict) else None
        line = _id_line(text, qid) if isinstance(qid, str) else 1
        where = f"{path}:{line}"
        if not isinstance(qid, str) or not isinstance(q.get("turns"), list):
            raise DataError(where, f"queries[{i}] must have a string id and a turns list, got {q!r:.80}")
        responses = []
        for j, turn in enumerate(q["turns"]):
            if not isinstance(turn, dict) or not isinstance(turn.get("response"), str):
                raise DataError(where, f"queries[{i}].turns[{j}].response must be a string, got {turn!r:.80}")
            responses.append(Response(turn["response"], _finish(where, turn.get("finish_reason"))))
        out[qid] = Recorded(tuple(responses), line)
    return out


def read_replay(path: Path) -> tuple[dict[str, Recorded], Mapping[str, Any]]:
    """Recorded responses by query id, and the results file's metadata (empty for JSONL)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(str(path), f"replay file cannot be read: {err}") from None
    try:
        whole = jsontext.loads(text)
    except jsontext.JsonLimitError as err:  # as much a problem of a results file as of JSONL line 1
        raise DataError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg} at column {err.colno}") from None
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and "format" in whole:
        if whole["format"] != RESULTS_FORMAT:
            raise DataError(f"{path}:1", f"format must be {RESULTS_FORMAT!r}, got {whole['format']!r}")
        metadata = whole.get("metadata")
        return _results_records(path, text, whole), metadata if isinstance(metadata, dict) else {}
    records: dict[str, Recorded] = {}
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may sit in a string
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = jsontext.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(where, f"invalid JSON: {err.msg}") from None
        qid, responses = _jsonl_record(where, raw)
        if qid in records:
            raise DataError(where, f"id must be unique, got {qid!r} again (first on line {records[qid].line})")
        records[qid] = Recorded(responses, number)
    if not records:
        raise DataError(str(path), "replay file must hold at least one response, got none")
    return records, {}


class ReplayBackend:
    """Responses looked up by query id and turn; never loads a model."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.records, self.metadata = read_replay(self.path)

    @property
    def model_loads(self) -> int:
        return 0

    def identity(self) -> ModelIdentity:
        raw = self.metadata.get("model")
        model: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        return ModelIdentity(
            backend="replay",
            model_path=model.get("path"),
            name=str(model.get("name") or self.path.stem),
            content_hash=model.get("hash"),
            blas=str(self.metadata.get("blas") or "unknown (replayed)"),
            extra={"replay": str(self.path), "replay_sha256": digest},
        )

    def generate(self, requests: Sequence[Request], max_tokens: int, *, done: Done | None = None) -> list[Response]:
        out = []
        for request in requests:
            qid = request.query_id
            turn = 1 + sum(1 for m in request.messages if m.get("role") == "assistant")
            record = self.records.get(qid)
            if record is None:
                raise DataError(str(self.path), f"has no responses for query {qid!r}", "record every selected query")
            if len(record.responses) < turn:
                raise DataError(
                    f"{self.path}:{record.line}",
                    f"responses of {qid!r} must include turn {turn} (its turn 1 has a tool call), "
                    f"got {len(record.responses)} response(s)",
                )
            out.append(record.responses[turn - 1])
            if done is not None:
                done(len(out) - 1, out[-1])
        return out


def recorded_model_name(path: Path) -> str:
    """The model name a recording names (a results file's metadata), else the file's stem."""
    _, metadata = read_replay(path)
    raw = metadata.get("model")
    name = raw.get("name") if isinstance(raw, dict) else None
    return str(name or path.stem)


__all__ = ["Recorded", "ReplayBackend", "read_replay", "recorded_model_name"]
