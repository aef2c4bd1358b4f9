"""--adapter: a base model plus a real LoRA adapter (made by scripts/train_lora.sh), evaluated unfused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lora import train_lora
from reliability import child_env

from punie_eval import RunTarget, evaluate
from punie_eval.errors import UsageError
from punie_eval.generation.fingerprint import adapter_fingerprint, fingerprint
from punie_eval.options import Setting, build_options
from punie_eval.paths import reference_model_dir

pytestmark = pytest.mark.slow  # trains a LoRA adapter and loads a model
REPO = Path(__file__).resolve().parents[1]
IDS = ["st_git_status", "da_protocol_vs_abc", "mt_ruff_summary"]


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter on the reference model: train_lora.sh, 3 iterations on 16 cleaned examples."""
    work = tmp_path_factory.mktemp("lora")
    train_lora(work, "--iters", "3", "--learning-rate", "1e-2", "--", "--val-batches", "1")
    return work / "adapters"


def test_adapter_evaluates_base_plus_adapter_unfused(adapter: Path, tmp_path: Path) -> None:
    """evaluate() loads the base with the adapter once; the identity and cache key are the pair's."""
    base = fingerprint(reference_model_dir())
    result = evaluate(None, RunTarget.local(reference_model_dir(), adapter), queries=IDS, cache=tmp_path, progress=None)
    model = result.metadata["model"]
    assert (model["name"], result.metadata["model_loads"], len(result.records)) == ("reference-model+adapters", 1, 3)
    assert model["hash"] == adapter_fingerprint(reference_model_dir(), adapter)
    assert model["hash"] != base
    again = evaluate(None, RunTarget.local(reference_model_dir()), queries=IDS, cache=tmp_path, progress=None)
    assert again.metadata["model_loads"] == 1  # the base alone is not served the adapter's cached answers


def test_adapter_hash_covers_the_adapter_weights(adapter: Path, tmp_path: Path) -> None:
    """Changing the adapter's weights changes the pair's hash."""
    copy = tmp_path / "adapter"
    copy.mkdir()
    for name in ("adapter_config.json", "adapters.safetensors"):
        (copy / name).write_bytes((adapter / name).read_bytes())
    before = adapter_fingerprint(reference_model_dir(), copy)
    data = bytearray((copy / "adapters.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / "adapters.safetensors").write_bytes(bytes(data))
    assert adapter_fingerprint(reference_model_dir(), copy) != before


def _options(model: str | None, adapter: str | None) -> None:
    build_options(
        model=Setting(model, ""), queries=Setting(None, ""), max_tokens=512, results=None, backend="mlx",
        base_url=None, replay=None, cache_dir=".punie-cache", no_cache=True, gate=False, min_strict=0.8,
        floors=[], baseline=None, adapter=Setting(adapter, ""),
    )  # fmt: skip


def test_adapter_folder_as_model_is_one_usage_error(adapter: Path) -> None:
    """An adapter folder passed as --model is refused once, with the fix (it used to fail 57 times)."""
    with pytest.raises(UsageError, match="is a LoRA adapter folder, not a model: pass it as --adapter"):
        _options(str(adapter), None)


def test_adapter_folder_without_weights_is_one_usage_error(tmp_path: Path) -> None:
    """--adapter naming a folder without adapter_config.json and adapters.safetensors is refused."""
    (tmp_path / "adapter_config.json").write_text(json.dumps({"fine_tune_type": "lora"}))
    with pytest.raises(UsageError, match=r"must hold adapter_config\.json and adapters\.safetensors"):
        _options(None, str(tmp_path))


def test_adapter_through_pytest_evals(adapter: Path, tmp_path: Path) -> None:
    """`pytest evals/ --adapter DIR` names base + adapter in the header and the results file."""
    results = tmp_path / "r.json"
    command = [sys.executable, "-m", "pytest", "evals/test_queries.py", "-p", "no:cacheprovider", "--no-cache"]
    command += ["--adapter", str(adapter), "-k", "st_git_status", "--results", str(results), "--no-history"]
    done = subprocess.run(
        command,
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"+ adapter {adapter}" in done.stdout, done.stdout[-2000:]
    model = json.loads(results.read_text())["metadata"]["model"]
    assert (model["name"], model["hash"]) == (
        "reference-model+adapters",
        adapter_fingerprint(reference_model_dir(), adapter),
    )
