"""Build the reference model end to end and describe it in ``manifest.json``.

    corpus/{train,valid}.jsonl ─▶ BPE tokenizer ─▶ seeded Qwen3 init ─▶ full training (fp32)
        ─▶ held-out check on valid ─▶ OUT/ (+ manifest.json)
        ─▶ mlx_lm convert -q (5 bit, group 64) ─▶ OUT-q5/ (+ manifest.json)

Everything is built in a temporary directory beside ``OUT`` and renamed into place, so a
failed or interrupted build never leaves a half-written model. The build is deterministic
for a given corpus, seed, size and BLAS (the manifest records all four).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from punie_eval.atomic import replace_dir
from punie_eval.errors import DataError, UsageError
from punie_eval.jsonl import load_chat

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "punie-reference-model/1"
Q5_SUFFIX = "-q5"
DEFAULT_ITERS = {"tiny": 4000, "deep": 1200, "small": 600, "demo": 800}
WARMUP = {"tiny": 20, "deep": 30, "small": 30, "demo": 50}


@dataclass(frozen=True)
class BuildSpec:
    out: Path
    corpus: Path
    seed: int = 0
    size: str = "tiny"
    iters: int | None = None  # None: DEFAULT_ITERS[size]
    force: bool = False
    quantized: bool = True  # also write the 5-bit sibling OUT-q5
    train_limit: int | None = None  # use only the first N training records (quick test builds)
    spaces: str = "joined"  # tokenizer.SPACES: "split" makes every space its own token


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(str(path), "file must exist", "pass --corpus DIR holding train.jsonl and valid.jsonl")
    return path.read_bytes()


def read_corpus(corpus: Path) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """``{"train": (sha256, records), "valid": ...}``: each file read once, so hash and records agree."""
    out = {}
    for name in ("train", "valid"):
        path = corpus / f"{name}.jsonl"
        data = _read_bytes(path)
        out[name] = (hashlib.sha256(data).hexdigest(), [dict(r.value) for r in load_chat(path, data)])
    return out


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("mlx", "mlx-lm", "transformers", "tokenizers", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _display_path(path: Path) -> str:
    """``path`` relative to the project's data folder's parent when inside it (manifests stay portable)."""
    from punie_eval.paths import data_dir

    root = data_dir().resolve().parent
    resolved = path.resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


def q5_dir(out: Path) -> Path:
    return out.with_name(out.name + Q5_SUFFIX)


def build(spec: BuildSpec, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build the model(s) described by ``spec``; returns the fp32 manifest."""
    from punie_eval.generation.blas import load_fast_blas

    blas = load_fast_blas()  # before the first import of mlx
    emit = log or (lambda line: print(line, file=sys.stderr))
    targets = [spec.out, *([q5_dir(spec.out)] if spec.quantized else [])]
    existing = [t for t in targets if t.exists()]
    if existing and not spec.force:
        raise UsageError(f"OUT must not exist, got {str(existing[0])!r} (pass --force to replace it)")
    from punie_eval.refmodel.architecture import SHAPES

    if spec.size not in SHAPES:
        raise UsageError(f"--size must be one of {', '.join(SHAPES)}, got {spec.size!r}")
    iters = spec.iters if spec.iters is not None else DEFAULT_ITERS[spec.size]
    if iters < 1:
        raise UsageError(f"--iters must be at least 1, got {iters}")
    corpus = read_corpus(spec.corpus)
    train_records = corpus["train"][1][: spec.train_limit]
    valid_records = corpus["valid"][1]
    spec.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{spec.out.name}.build-", dir=spec.out.parent) as tmp:
        staged = Path(tmp) / "fp32"
        manifest = _build_fp32(spec, iters, train_records, valid_records, staged, emit)
        manifest.update(
            {
                "blas": blas,
                "corpus": {
                    "dir": _display_path(spec.corpus),
                    **{f"{name}_sha256": sha for name, (sha, _) in corpus.items()},
                    "train_records": len(train_records),
                    "valid_records": len(valid_records),
                },
                "versions": versions(),
                "platform": f"{platform.system()} {platform.machine()}",
            }
        )
        staged_q5 = Path(tmp) / "q5"
        if spec.quantized:
            from punie_eval.refmodel.quantize import BITS, GROUP_SIZE, quantize

            emit(f"quantize: mlx_lm convert -q --q-bits {BITS} --q-group-size {GROUP_SIZE}")
            quantize(staged, staged_q5)
        manifest["build_seconds"] = round(time.perf_counter() - started, 1)
        manifest["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_manifest(staged, manifest)
        if spec.quantized:
            from punie_eval.refmodel.quantize import BITS, GROUP_SIZE

            q5_manifest = {
                **manifest,
                "derived_from": spec.out.name,
                "quantization": {"bits": BITS, "group_size": GROUP_SIZE, "tool": "mlx_lm convert -q"},
                "size_bytes": dir_size(staged_q5),
            }
            write_manifest(staged_q5, q5_manifest)
            replace_dir(staged_q5, q5_dir(spec.out))
        replace_dir(staged, spec.out)
    return manifest


def _build_fp32(
    spec: BuildSpec,
    iters: int,
    train_records: list[dict[str, Any]],
    valid_records: list[dict[str, Any]],
    out: Path,
    emit: Callable[[str], None],
) -> dict[str, Any]:
    from punie_eval.refmodel.architecture import SHAPES, init_model, load_model, model_config
    from punie_eval.refmodel.evaluate import held_out
    from punie_eval.refmodel.tokenizer import ENDOFTEXT, IM_END, corpus_texts, token_ids, train_tokenizer
    from punie_eval.refmodel.train import TrainConfig, max_seq_length_for, per_turn_examples, token_lengths, train_full

    shape = SHAPES[spec.size]
    t0 = time.perf_counter()
    vocab = train_tokenizer(corpus_texts(train_records), shape.vocab_size, out, spaces=spec.spaces)
    ids = token_ids(out)
    config = model_config(shape, vocab, [ids[IM_END], ids[ENDOFTEXT]])
    params = init_model(config, spec.seed, out)
    emit(f"tokenizer: vocab {vocab}; model: {spec.size}, {params:,} parameters ({time.perf_counter() - t0:.1f}s)")

    _, tokenizer = load_model(out)
    lengths = token_lengths(tokenizer, per_turn_examples(train_records))
    train_config = TrainConfig(iters=iters, warmup=WARMUP[spec.size], max_seq_length=max_seq_length_for(lengths))
    emit(
        f"train: {len(lengths)} examples, tokens min {min(lengths)} mean {sum(lengths) / len(lengths):.0f} "
        f"max {max(lengths)} -> max_seq_length {train_config.max_seq_length}; {iters} iterations"
    )
    t1 = time.perf_counter()
    loss = train_full(out, train_records, train_config, spec.seed, emit)
    train_s = time.perf_counter() - t1
    score = held_out(out, valid_records)
    emit(f"held-out (valid, first assistant turn): {score.as_dict()}")
    return {
        "format": MANIFEST_FORMAT,
        "name": spec.out.name,
        "size": spec.size,
        "seed": spec.seed,
        "parameters": params,
        "vocab_size": vocab,
        "tokenizer": {"spaces": spec.spaces},
        "dtype": "float32",
        "training": {
            **train_config.as_dict(),
            "examples": len(lengths),
            "tokens": {"min": min(lengths), "mean": round(sum(lengths) / len(lengths), 1), "max": max(lengths)},
            "final_loss": round(loss, 5),
            "seconds": round(train_s, 1),
            "seconds_per_iter": round(train_s / iters, 4),
        },
        "held_out": score.as_dict(),
        "size_bytes": dir_size(out),
        "suite_score": None,
    }


def write_manifest(model_dir: Path, manifest: dict[str, Any]) -> None:
    (model_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_manifest(model_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((model_dir / MANIFEST).read_text(encoding="utf-8"))
    return data


def record_suite_score(model_dir: Path, results_file: Path) -> dict[str, Any]:
    """Copy the summary of a results JSON (an evaluation of ``model_dir``) into its manifest.

    ``manifest.json`` is not part of the model's content hash, so this does not change which
    cached generations belong to the model.
    """
    results = json.loads(results_file.read_text(encoding="utf-8"))
    summary = results["summary"]
    metadata = results.get("metadata", {})
    score = {
        "overall": summary["overall"],
        "categories": {name: {k: c[k] for k in ("n", "soft", "strict")} for name, c in summary["categories"].items()},
        "gate_passed": (summary.get("gate") or {}).get("passed"),
        "scorer_version": metadata.get("scorer_version"),
        "suite": (metadata.get("suite") or {}).get("fingerprint"),
        "blas": metadata.get("blas"),
    }
    manifest = read_manifest(model_dir)
    manifest["suite_score"] = score
    write_manifest(model_dir, manifest)
    return score
