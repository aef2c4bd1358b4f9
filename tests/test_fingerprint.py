"""Model content hash: same files same hash, any model file changed a new hash, memoised."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from punie_eval.errors import ModelError
from punie_eval.generation.fingerprint import MEMO_FILE, RACY_NS, fingerprint


def _model(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "qwen3"}')
    (root / "model.safetensors").write_bytes(b"\x00weights" * 100)
    (root / "tokenizer.json").write_text('{"model": {}}')
    (root / "tokenizer_config.json").write_text('{"eos_token": "<|im_end|>"}')
    (root / "chat_template.jinja").write_text("{{ messages }}")
    (root / "README.md").write_text("not part of the model")
    return root


def test_fingerprint_same_files_same_hash_anywhere(tmp_path: Path) -> None:
    """Two directories with identical model files hash the same."""
    a = _model(tmp_path / "a")
    b = tmp_path / "elsewhere" / "b"
    shutil.copytree(a, b)
    assert fingerprint(a) == fingerprint(b)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("model.safetensors", b"\x01weights"),
        ("config.json", b'{"model_type": "qwen2"}'),
        ("tokenizer.json", b'{"model": {"vocab": {}}}'),
        ("tokenizer_config.json", b'{"eos_token": "<|endoftext|>"}'),
        ("chat_template.jinja", b"{{ messages | tojson }}"),
        ("model-00002-of-00002.safetensors", b"more weights"),
    ],
    ids=["weights", "config", "tokenizer", "tokenizer-config", "chat-template", "extra-shard"],
)
def test_fingerprint_changes_with_each_model_file(tmp_path: Path, name: str, content: bytes) -> None:
    """Changing or adding any weight, config, tokenizer or template file changes the hash."""
    model = _model(tmp_path / "m")
    before = fingerprint(model)
    (model / name).write_bytes(content)
    assert fingerprint(model) != before


def test_fingerprint_ignores_other_files(tmp_path: Path) -> None:
    """Files that do not affect generation (README) do not change the hash."""
    model = _model(tmp_path / "m")
    before = fingerprint(model)
    (model / "README.md").write_text("edited")
    assert fingerprint(model) == before


def _settled(model: Path) -> Path:
    """Wait until the model's files are older than the racy window, so their memo entries are trusted."""
    time.sleep(RACY_NS / 1e9 * 1.5)
    return model


def test_fingerprint_memo_reused_while_size_and_mtime_match(tmp_path: Path) -> None:
    """A memoised file hash is trusted until the file's stat facts (here its mtime_ns) change."""
    model, cache = _settled(_model(tmp_path / "m")), tmp_path / "cache"
    real = fingerprint(model, cache)
    memo_path = cache / MEMO_FILE
    memo = json.loads(memo_path.read_text())
    weights = str((model / "model.safetensors").resolve())
    memo[weights]["sha256"] = "0" * 64  # a planted hash proves the memo is read, not recomputed
    memo_path.write_text(json.dumps(memo))
    assert fingerprint(model, cache) != real
    stat = (model / "model.safetensors").stat()
    os.utime(model / "model.safetensors", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))
    assert fingerprint(model, cache) == real


def _rewrite_in_place(weights: Path) -> None:
    with weights.open("r+b") as handle:  # same inode, same size
        handle.write(b"\x01")


def _replace_keeping_mtime(weights: Path) -> None:
    copy = weights.with_name("incoming.tmp")  # what rsync -a and tar x do: a new file renamed into place
    copy.write_bytes(b"\x01" + weights.read_bytes()[1:])
    shutil.copystat(weights, copy)
    os.replace(copy, weights)


@pytest.mark.parametrize("rewrite", [_rewrite_in_place, _replace_keeping_mtime], ids=["in-place", "replaced"])
def test_fingerprint_rewritten_weights_with_restored_mtime_get_a_new_hash(
    tmp_path: Path, rewrite: Callable[[Path], None]
) -> None:
    """New weight bytes of the same size under the old mtime (os.utime) are hashed again, not served from the memo."""
    model, cache = _settled(_model(tmp_path / "m")), tmp_path / "cache"
    weights = model / "model.safetensors"
    before, old = fingerprint(model, cache), weights.stat()
    rewrite(weights)
    os.utime(weights, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (weights.stat().st_size, weights.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    assert fingerprint(model, cache) == fingerprint(model) != before


def test_fingerprint_memo_distrusts_a_file_changed_as_it_was_hashed(tmp_path: Path) -> None:
    """A memo entry recorded within RACY_NS of the file's last change is checked again (coarse timestamps)."""
    model, cache = _model(tmp_path / "m"), tmp_path / "cache"
    real = fingerprint(model, cache)
    memo = json.loads((cache / MEMO_FILE).read_text())
    weights = str((model / "model.safetensors").resolve())
    memo[weights]["sha256"] = "0" * 64
    (cache / MEMO_FILE).write_text(json.dumps(memo))
    assert fingerprint(model, cache) == real


def test_fingerprint_corrupt_memo_is_rebuilt(tmp_path: Path) -> None:
    """An unreadable memo file is ignored and rewritten."""
    model, cache = _model(tmp_path / "m"), tmp_path / "cache"
    cache.mkdir()
    (cache / MEMO_FILE).write_text('{"truncated')
    assert fingerprint(model, cache) == fingerprint(model)
    assert json.loads((cache / MEMO_FILE).read_text())


@pytest.mark.parametrize("remove", ["config.json", "model.safetensors"], ids=["no-config", "no-weights"])
def test_fingerprint_rejects_non_model_directory(tmp_path: Path, remove: str) -> None:
    """A directory without config.json or weights is a ModelError naming it."""
    model = _model(tmp_path / "m")
    (model / remove).unlink()
    with pytest.raises(ModelError, match="must be an MLX model directory"):
        fingerprint(model)


def test_fingerprint_rejects_missing_directory(tmp_path: Path) -> None:
    """A path that does not exist is a ModelError."""
    with pytest.raises(ModelError, match="does not exist"):
        fingerprint(tmp_path / "nope")
