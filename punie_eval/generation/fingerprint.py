"""Content hash of a model directory: weights, config, tokenizer and chat template.

Two directories with the same files hash the same wherever they live; changing any weight,
the tokenizer or the template changes the hash. Hashing a 17 GB model takes a while, so each
file's sha256 is memoised in ``<cache_dir>/fingerprints.json``, keyed by its absolute path,
size and ``mtime_ns``: a file that was rewritten is hashed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from punie_eval.atomic import write_text
from punie_eval.errors import ModelError

# Everything that changes what a model generates for a chat: weights, architecture,
# tokenizer (vocab, merges, added tokens, special tokens) and the chat template.
MODEL_FILE_PATTERNS = (
    "*.safetensors",
    "model.safetensors.index.json",
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "chat_template.jinja",
    "chat_template.json",
)
MEMO_FILE = "fingerprints.json"
_CHUNK = 1 << 20


def model_files(model_dir: Path) -> list[Path]:
    """The files whose content defines the model, sorted by name."""
    found = {p for pattern in MODEL_FILE_PATTERNS for p in model_dir.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.name)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_memo(path: Path) -> dict[str, Any]:
    try:
        memo = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def fingerprint(model_dir: Path, cache_dir: Path | None = None) -> str:
    """sha256 over (file name, file sha256) of every model file; memoised when ``cache_dir`` is given."""
    model_dir = Path(model_dir).resolve()
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir}: model directory does not exist")
    files = model_files(model_dir)
    if not any(p.suffix == ".safetensors" for p in files) or not (model_dir / "config.json").is_file():
        raise ModelError(
            f"{model_dir}: must be an MLX model directory (config.json and *.safetensors), "
            f"got {sorted(p.name for p in model_dir.iterdir())!r}"
        )
    memo_path = cache_dir / MEMO_FILE if cache_dir is not None else None
    memo = _read_memo(memo_path) if memo_path is not None else {}
    changed = False
    total = hashlib.sha256()
    for path in files:
        stat = path.stat()
        key = str(path)
        entry = memo.get(key)
        if (
            isinstance(entry, dict)
            and entry.get("size") == stat.st_size
            and entry.get("mtime_ns") == stat.st_mtime_ns
            and isinstance(entry.get("sha256"), str)
        ):
            digest = str(entry["sha256"])
        else:
            digest = file_sha256(path)
            memo[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
            changed = True
        total.update(f"{path.name}\0{digest}\n".encode())
    if memo_path is not None and changed:
        with contextlib.suppress(OSError):  # the memo only saves time; hashing again is correct
            write_text(memo_path, json.dumps(memo, indent=1, sort_keys=True))
    return total.hexdigest()
