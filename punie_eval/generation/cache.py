"""Content-keyed generation cache: one JSON file per response, written atomically.

The key is the sha256 of everything that decides a response: the model's content hash
(weights, tokenizer, chat template), the messages, the decoding parameters (the sampling seed
included), the mlx and mlx-lm versions, the BLAS that ran the matmuls, the backend and, when
sampling, the repeat index. Entries live in
``<cache_dir>/generations/<key[:2]>/<key>.json``; each is written to a temporary file and
renamed into place, so a reader never sees half an entry. An entry that is unreadable or
does not match its key is treated as missing and regenerated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_eval.atomic import write_text
from punie_eval.jsonl import escape_surrogates
from punie_eval.types import FINISH_REASONS, Response

CACHE_FORMAT = "punie-eval-generation/1"


def cache_key(
    *,
    model_hash: str,
    messages: Sequence[Mapping[str, str]],
    decoding: Mapping[str, Any],
    versions: Mapping[str, str],
    blas: str,
    backend: str,
    sample: int | None = None,
) -> str:
    """sha256 of the canonical JSON of every input that decides the response.

    ``sample`` is the repeat index of a sampled run (each repeat is its own draw); greedy
    runs leave it out, so their keys are what they always were.
    """
    material: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "model": model_hash,
        "messages": [dict(m) for m in messages],
        "decoding": dict(decoding),
        "versions": dict(versions),
        "blas": blas,
        "backend": backend,
    }
    if sample is not None:
        material["sample"] = sample
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class GenerationCache:
    """Responses by key under ``root``."""

    root: Path

    def path(self, key: str) -> Path:
        return self.root / "generations" / key[:2] / f"{key}.json"

    def get(self, key: str) -> Response | None:
        """The cached response, or None when missing, unreadable or not this key's entry."""
        try:
            entry = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("key") != key:
            return None
        text, reason, tokens, seconds = (entry.get(k) for k in ("text", "finish_reason", "tokens", "seconds"))
        if not isinstance(text, str) or (reason is not None and reason not in FINISH_REASONS):
            return None
        if tokens is not None and (not isinstance(tokens, int) or isinstance(tokens, bool)):
            return None
        if seconds is not None and (not isinstance(seconds, int | float) or isinstance(seconds, bool)):
            return None
        return Response(text, reason, tokens, bool(entry.get("reconstructed", False)), seconds)

    def put(self, key: str, response: Response, meta: Mapping[str, Any] | None = None) -> Path | None:
        """Write one entry atomically (temporary file in the same folder, then ``os.replace``).

        A cache that cannot be written (read-only, full) returns None: the cache only saves time,
        so failing to fill it never fails the run that generated the response.
        """
        path = self.path(key)
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "text": response.text,
            "finish_reason": response.finish_reason,
            "tokens": response.tokens,
            "reconstructed": response.reconstructed,
            "seconds": response.seconds,
            "meta": dict(meta or {}),
        }
        try:
            write_text(path, escape_surrogates(json.dumps(entry, ensure_ascii=False, indent=1)))
        except OSError:
            return None
        return path


__all__ = ["CACHE_FORMAT", "GenerationCache", "cache_key"]
