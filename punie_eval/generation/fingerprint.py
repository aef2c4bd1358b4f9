"""Content hash of a model directory: weights, config, tokenizer and chat template.

Two directories with the same files hash the same wherever they live; changing any weight,
the tokenizer or the template changes the hash. Hashing a 17 GB model takes a while, so each
file's sha256 is memoised in ``<cache_dir>/fingerprints.json`` under its absolute path and
the facts of its stat that ``os.utime`` cannot set back: inode, ``ctime_ns``, size and
``mtime_ns``. A copy that kept its mtime (``rsync -a``, ``tar x``, ``cp -p``) or a file whose
bytes were rewritten and whose mtime was restored has a new ctime (and usually a new inode),
so it is hashed again; only an untouched file is trusted. A file changed within ``RACY_NS`` of
being hashed is not trusted either (as in git's "racy clean" rule): a filesystem's
timestamps are coarse, so a rewrite in the same tick could leave every fact unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from punie_eval.atomic import write_text
from punie_eval.errors import ModelError
from punie_eval.generation.progress import human_bytes

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
ADAPTER_FILES = ("adapter_config.json", "adapters.safetensors")  # what mlx_lm.load(adapter_path=...) reads
MEMO_FILE = "fingerprints.json"
_CHUNK = 1 << 20
SHOWN_BYTES = 256 << 20  # hashing less than this is quick: no progress shown
Progress = Callable[[str], None]


def model_files(model_dir: Path) -> list[Path]:
    """The files whose content defines the model, sorted by name."""
    found = {p for pattern in MODEL_FILE_PATTERNS for p in model_dir.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.name)


def file_sha256(path: Path, on_chunk: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
    return digest.hexdigest()


STAT_FACTS = ("inode", "ctime_ns", "size", "mtime_ns")
RACY_NS = 100_000_000  # 0.1 s: well above any filesystem's timestamp granularity


def stat_facts(path: Path) -> dict[str, int]:
    """What a memoised hash is trusted under: every stat fact a file copy or ``os.utime`` changes."""
    stat = path.stat()
    return {"inode": stat.st_ino, "ctime_ns": stat.st_ctime_ns, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _trusted(entry: object, facts: dict[str, int]) -> bool:
    """A memo entry holds for a file whose facts are unchanged and which was settled when it was hashed."""
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return False
    hashed_at = entry.get("hashed_at_ns")
    settled = isinstance(hashed_at, int) and facts["ctime_ns"] + RACY_NS < hashed_at
    return settled and all(entry.get(name) == facts[name] for name in STAT_FACTS)


def _read_memo(path: Path) -> dict[str, Any]:
    try:
        memo = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def _hash_files(files: list[Path], cache_dir: Path | None, progress: Progress | None = None) -> str:
    """sha256 over (file name, file sha256) of ``files``; each file's hash memoised when ``cache_dir`` is given.

    With ``progress``, hashing more than ``SHOWN_BYTES`` shows bytes hashed of the total.
    """
    memo_path = cache_dir / MEMO_FILE if cache_dir is not None else None
    memo = _read_memo(memo_path) if memo_path is not None else {}
    facts = {path: stat_facts(path) for path in files}
    todo = [path for path in files if not _trusted(memo.get(str(path)), facts[path])]
    size = sum(facts[path]["size"] for path in todo)
    meter = None
    if progress is not None and size > SHOWN_BYTES:
        from punie_eval.generation.progress import as_reporter

        meter = as_reporter(progress).meter(f"hashing {files[0].parent.name}", size, "bytes")
    total = hashlib.sha256()
    try:
        for path in files:
            if path in todo:
                hashed_at = time.time_ns()  # before the stat: a change after it is never older than this
                facts[path] = stat_facts(path)
                digest = file_sha256(path, meter.advance if meter is not None else None)
                memo[str(path)] = {**facts[path], "hashed_at_ns": hashed_at, "sha256": digest}
            total.update(f"{path.name}\0{memo[str(path)]['sha256']}\n".encode())
    finally:
        if meter is not None:
            meter.close()
    if meter is not None:
        elapsed = time.monotonic() - meter.started
        meter.reporter(f"punie-eval: hashed {human_bytes(size)} of {files[0].parent} in {elapsed:.1f} s")
    if memo_path is not None and todo:
        with contextlib.suppress(OSError):  # the memo only saves time; hashing again is correct
            write_text(memo_path, json.dumps(memo, indent=1, sort_keys=True))
    return total.hexdigest()


def fingerprint(model_dir: Path, cache_dir: Path | None = None, progress: Progress | None = None) -> str:
    """The content hash of a model directory; memoised per file when ``cache_dir`` is given."""
    model_dir = Path(model_dir).resolve()
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir}: model directory does not exist")
    files = model_files(model_dir)
    if not any(p.suffix == ".safetensors" for p in files) or not (model_dir / "config.json").is_file():
        hint = " (a LoRA adapter folder: pass it as --adapter, with its base model as --model)"
        raise ModelError(
            f"{model_dir}: must be an MLX model directory (config.json and *.safetensors), "
            f"got {sorted(p.name for p in model_dir.iterdir())!r}{hint if is_adapter_dir(model_dir) else ''}"
        )
    return _hash_files(files, cache_dir, progress)


def known_fingerprint(model_dir: Path, adapter_dir: Path | None, cache_dir: Path | None) -> str | None:
    """The hash (of the model, with its adapter) when every file's hash is memoised, else None: reads no weights."""
    if cache_dir is None:
        return None
    model_dir = Path(model_dir).resolve()
    files = model_files(model_dir) if model_dir.is_dir() else []
    if adapter_dir is not None:
        files += [Path(adapter_dir).resolve() / name for name in ADAPTER_FILES]
    memo = _read_memo(cache_dir / MEMO_FILE)
    try:
        known = bool(files) and all(_trusted(memo.get(str(p)), stat_facts(p)) for p in files)
    except OSError:
        return None
    if not known:
        return None
    try:
        if adapter_dir is not None:
            return adapter_fingerprint(model_dir, adapter_dir, cache_dir)
        return fingerprint(model_dir, cache_dir)
    except ModelError:
        return None


def is_adapter_dir(path: Path) -> bool:
    """An mlx_lm LoRA adapter folder: adapter_config.json beside adapters.safetensors."""
    return all((path / name).is_file() for name in ADAPTER_FILES)


def adapter_fingerprint(
    model_dir: Path, adapter_dir: Path, cache_dir: Path | None = None, progress: Progress | None = None
) -> str:
    """The content hash of a base model with a LoRA adapter on top: weights and config of both."""
    adapter_dir = Path(adapter_dir).resolve()
    if not is_adapter_dir(adapter_dir):
        raise ModelError(f"{adapter_dir}: adapter folder must hold {' and '.join(ADAPTER_FILES)}")
    base = fingerprint(model_dir, cache_dir, progress)
    adapter = _hash_files([adapter_dir / name for name in ADAPTER_FILES], cache_dir, progress)
    return hashlib.sha256(f"{base}\0adapter\0{adapter}".encode()).hexdigest()
