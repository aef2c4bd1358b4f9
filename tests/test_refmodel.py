"""The reference model: BLAS loading, the build pipeline, the committed model, the users' scripts.

Real MLX and real files throughout. Builds run in subprocesses so that OpenBLAS is loaded
before MLX, as in every real use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from punie_eval.errors import UsageError
from punie_eval.generation.blas import blas_env, find_fast_blas, load_fast_blas
from punie_eval.paths import reference_model_dir
from punie_eval.refmodel.build import MANIFEST, q5_dir, read_manifest
from punie_eval.refmodel.tokenizer import CHAT_TEMPLATE
from punie_eval.refmodel.train import max_seq_length_for, per_turn_examples

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
SYSTEM = "You are Punie, a coding assistant."
CALL = (
    "<tool_call>\n<function=execute_code>\n<parameter=code>\n"
    'result = {tool}("{path}")\nprint(result.success)\n</parameter>\n</function>\n</tool_call>'
)


def _chat(user: str, assistant: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 training and 4 validation chats: tool calls for three tools and one prose answer."""
    corpus = tmp_path_factory.mktemp("corpus")
    tools = {"typecheck": "Check types in", "ruff_check": "Lint", "git_status": "Show the git status of"}
    paths = ["src/", "tests/", "src/app.py", "lib/"]
    records = [
        _chat(f"{verb} {path}", CALL.format(tool=tool, path=path)) for tool, verb in tools.items() for path in paths
    ]
    records.append(_chat("What is a Protocol?", "A structural type: any class with the methods matches."))
    (corpus / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records * 3))
    (corpus / "valid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[::4]))
    return corpus


def _python_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHON": sys.executable}


def _generate(model_dir: Path, prompt: str, max_tokens: int = 48) -> str:
    """Greedy text for one user prompt, in a fresh interpreter with the fast BLAS loaded first."""
    code = (
        "import sys\n"
        "from punie_eval.generation.blas import load_fast_blas\n"
        "load_fast_blas()\n"
        "from mlx_lm import generate, load\n"
        "model, tok = load(sys.argv[1])\n"
        "ids = tok.apply_chat_template([{'role': 'user', 'content': sys.argv[2]}], add_generation_prompt=True)\n"
        "sys.stdout.write(generate(model, tok, ids, max_tokens=int(sys.argv[3])))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(model_dir), prompt, str(max_tokens)],
        env=_python_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def tiny_build(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5-iteration build of the tiny shape, through the CLI."""
    out = tmp_path_factory.mktemp("build") / "model"
    cmd = [sys.executable, "-m", "punie_eval.cli", "build-reference-model", str(out)]
    cmd += ["--corpus", str(tiny_corpus), "--size", "tiny", "--iters", "5", "--seed", "3"]
    subprocess.run(cmd, env=_python_env(), capture_output=True, text=True, check=True)
    return out


# --- BLAS -------------------------------------------------------------------------------


@pytest.fixture
def blas_override(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("PUNIE_BLAS", raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    return monkeypatch


def test_blas_reference_override_disables_fast_blas(blas_override: pytest.MonkeyPatch) -> None:
    """PUNIE_BLAS=reference means no library to load and no LD_PRELOAD for subprocesses."""
    blas_override.setenv("PUNIE_BLAS", "reference")
    assert (find_fast_blas(), blas_env()) == (None, {})


def test_blas_missing_override_is_a_usage_error(blas_override: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PUNIE_BLAS path that does not exist is reported, not silently ignored."""
    blas_override.setenv("PUNIE_BLAS", str(tmp_path / "nope.so"))
    with pytest.raises(UsageError, match="PUNIE_BLAS must be"):
        find_fast_blas()


def test_blas_env_preloads_the_library_found(blas_override: pytest.MonkeyPatch) -> None:
    """blas_env() puts the library find_fast_blas() chose in LD_PRELOAD (empty when none)."""
    found = find_fast_blas()
    assert blas_env() == ({"LD_PRELOAD": str(found)} if found else {})


def test_blas_loaded_before_mlx_is_reported_and_computes_correctly() -> None:
    """In a fresh process load_fast_blas() names the library, stays memoised, and matmuls are right."""
    code = (
        "from punie_eval.generation.blas import load_fast_blas\n"
        "first = load_fast_blas()\n"
        "import mlx.core as mx, numpy as np\n"
        "a = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)\n"
        "ok = np.allclose(np.array(mx.array(a) @ mx.array(a)), a @ a, atol=1e-3)\n"
        "print(first == load_fast_blas(), ok, first)\n"
    )
    env = {k: v for k, v in _python_env().items() if k not in ("PUNIE_BLAS", "LD_PRELOAD")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    found = find_fast_blas()
    assert out.split(" ", 2)[:2] == ["True", "True"]
    assert (str(found) in out) if found else ("reference" in out)


def test_blas_description_is_stable_within_a_process() -> None:
    """load_fast_blas() answers the same every time it is called (functools.cache)."""
    assert load_fast_blas() == load_fast_blas()


# --- pure helpers -----------------------------------------------------------------------


def test_train_per_turn_examples_split_at_each_assistant_turn() -> None:
    """A two-answer chat gives two examples, each ending with an assistant turn."""
    chat = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "call"},
        {"role": "user", "content": "<tool_response>\nr\n</tool_response>"},
        {"role": "assistant", "content": "summary"},
    ]
    examples = per_turn_examples([{"messages": chat}])
    assert [len(e["messages"]) for e in examples] == [2, 4]


@pytest.mark.parametrize(
    ("lengths", "expected"), [([10, 31], 32), ([32], 64), ([5000], 2048)], ids=["round-up", "room-for-eos", "cap"]
)
def test_train_max_seq_length_fits_the_longest_example(lengths: list[int], expected: int) -> None:
    """max_seq_length is the longest example rounded up to a multiple of 32, capped at 2048."""
    assert max_seq_length_for(lengths) == expected


def test_tokenizer_template_selects_the_qwen3_coder_parser() -> None:
    """The template holds the literal mlx-lm looks for to pick the qwen3_coder tool parser."""
    assert "<tool_call>\\n<function=" in CHAT_TEMPLATE


# --- (a) a quick build ------------------------------------------------------------------


def test_build_writes_fp32_and_q5_with_manifests(tiny_build: Path) -> None:
    """The build leaves OUT and OUT-q5, each a loadable model directory with a manifest."""
    for model_dir in (tiny_build, q5_dir(tiny_build)):
        names = {p.name for p in model_dir.iterdir()}
        assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", MANIFEST} <= names
    assert not [p for p in tiny_build.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_build_manifest_records_provenance(tiny_build: Path, tiny_corpus: Path) -> None:
    """The manifest pins the corpus (sha256), seed, iterations, BLAS and size."""
    import hashlib

    manifest = read_manifest(tiny_build)
    sha = hashlib.sha256((tiny_corpus / "train.jsonl").read_bytes()).hexdigest()
    assert (manifest["corpus"]["train_sha256"], manifest["seed"], manifest["training"]["iters"]) == (sha, 3, 5)
    assert manifest["blas"]
    assert manifest["parameters"] > 0
    assert manifest["size_bytes"] > 0


def test_build_q5_is_quantized_at_5_bits(tiny_build: Path) -> None:
    """The sibling's config.json carries mlx-lm's 5-bit, group-64 quantization."""
    config = json.loads((q5_dir(tiny_build) / "config.json").read_text())
    assert config["quantization"]["bits"] == 5
    assert config["quantization"]["group_size"] == 64


def test_build_model_loads_and_generates(tiny_build: Path) -> None:
    """mlx_lm.load + generate work on the freshly built model."""
    assert isinstance(_generate(tiny_build, "Lint src/", max_tokens=8), str)


def test_build_refuses_existing_out_without_force(tiny_build: Path, tiny_corpus: Path) -> None:
    """An existing OUT is an error (exit 2), not silently overwritten."""
    cmd = [sys.executable, "-m", "punie_eval.cli", "build-reference-model", str(tiny_build)]
    proc = subprocess.run([*cmd, "--corpus", str(tiny_corpus)], env=_python_env(), capture_output=True, text=True)
    assert (proc.returncode, "must not exist" in proc.stderr) == (2, True)


# --- (b) the committed model ------------------------------------------------------------

committed = pytest.mark.skipif(not reference_model_dir().is_dir(), reason="no committed reference model")


@committed
def test_committed_model_generates_deterministically() -> None:
    """Greedy generation from the committed model gives the same text twice."""
    prompt = "Run the type checker on src/"
    first = _generate(reference_model_dir(), prompt)
    assert first
    assert first == _generate(reference_model_dir(), prompt)


@committed
def test_training_batches_group_examples_of_similar_length() -> None:
    """Batches hold examples of similar token length, so little of each batch is padding.

    mlx-lm's own ``CacheDataset`` sorts on the raw record's length (1 for every chat), which
    made batches random and padded them to 2.4x the mean example length.
    """
    import numpy as np
    from mlx_lm.tuner.datasets import ChatDataset
    from mlx_lm.tuner.trainer import iterate_batches

    from punie_eval.refmodel.architecture import load_model
    from punie_eval.refmodel.train import length_sorted_dataset

    _, tokenizer = load_model(reference_model_dir())
    chats = [_chat("Lint " + "src/ " * n, CALL.format(tool="ruff_check", path="src/")) for n in range(1, 65)]
    np.random.shuffle(chats)
    dataset = length_sorted_dataset(ChatDataset(chats, tokenizer, mask_prompt=True))
    assert [dataset.itemlen(i) for i in range(3)] == [len(dataset[i][0]) for i in range(3)]
    batches = iterate_batches(dataset, batch_size=8, max_seq_length=2048, loop=False, seed=0)
    for _, (batch, lengths) in zip(range(8), batches, strict=False):
        ends = lengths[:, 1].tolist()
        assert max(ends) - min(ends) <= 16  # 8 consecutive lengths out of 64 (2 tokens apart)
        assert batch.shape[1] <= max(ends) + 33


@committed
def test_committed_tokenizer_renders_generation_prompt() -> None:
    """The committed tokenizer's template ends a prompt with an open assistant turn."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(reference_model_dir()))
    text = tok.apply_chat_template(
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}],
        add_generation_prompt=True,
        tokenize=False,
    )
    assert text == f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


@committed
def test_committed_tokenizer_reads_numbers_the_same_in_prose_and_code() -> None:
    """A space before a digit is one token, so 42 is the same tokens in "line 42" and in
    ", 42,", and mlx-lm's streaming detokenizer gives the text back unchanged."""
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    wrapper = load_tokenizer(reference_model_dir())
    code = 'goto_definition("src/a.py", 42, 7, "load_config")'
    prose = "Go to load_config at src/a.py line 42, column 7."

    def tokens(text: str) -> list[str]:
        return [str(t) for t in wrapper.convert_ids_to_tokens(wrapper.encode(text, add_special_tokens=False))]

    assert tokens(" 42") == [" 4", "2"]
    in_code, in_prose = tokens(code), tokens(prose)
    assert in_code[in_code.index(" 4") :][:3] == [" 4", "2", ","]
    assert in_prose[in_prose.index(" 4") - 1 :][:4] == ["Ġline", " 4", "2", ","]
    detokenizer = wrapper.detokenizer
    for text in (code, prose, "There are  3 errors: 12, 4"):
        detokenizer.reset()
        for token in wrapper.encode(text, add_special_tokens=False):
            detokenizer.add_token(token)
        detokenizer.finalize()
        assert detokenizer.text == text


@committed
@pytest.mark.parametrize("name", ["reference-model", "reference-model-q5"])
def test_committed_manifest_matches_files(name: str) -> None:
    """Each committed model's manifest names its BLAS and its size on disk."""
    model_dir = reference_model_dir().with_name(name)
    manifest = read_manifest(model_dir)
    assert manifest["blas"]
    assert manifest["format"] == "punie-reference-model/1"


# --- (c) the users' pipeline scripts ------------------------------------------------------


def _script(name: str, *args: str | Path) -> None:
    subprocess.run(
        ["bash", str(SCRIPTS / name), *map(str, args)], env=_python_env(), capture_output=True, text=True, check=True
    )


def test_scripts_lora_fuse_quantize_give_a_working_model(tiny_build: Path, tiny_corpus: Path, tmp_path: Path) -> None:
    """train_lora.sh (2 iters, 2 layers) -> fuse.sh -> quantize.sh -> a model that loads and generates."""
    base = reference_model_dir() if reference_model_dir().is_dir() else tiny_build
    adapters, fused, quantized = tmp_path / "adapters", tmp_path / "fused", tmp_path / "q5"
    lora: list[str | Path] = [
        "--model",
        base,
        "--data",
        tiny_corpus,
        "--adapter-path",
        adapters,
        "--iters",
        "2",
        "--num-layers",
        "2",
    ]
    _script("train_lora.sh", *lora, "--", "--val-batches", "1")
    _script("fuse.sh", "--model", base, "--adapter-path", adapters, "--save-path", fused)
    _script("quantize.sh", "--model", fused, "--out", quantized)
    config = json.loads((quantized / "config.json").read_text())
    assert (config["quantization"]["bits"], config["quantization"]["group_size"]) == (5, 64)
    assert isinstance(_generate(quantized, "Lint src/", max_tokens=8), str)


def test_build_corpus_lines_split_on_newline_only(tmp_path: Path) -> None:
    """The corpus reader keeps a raw U+2028 or U+0085 inside a JSON string on its line."""
    from punie_eval.jsonl import load_chat

    lines = [{"messages": [{"role": "user", "content": f"a{sep}b"}]} for sep in ("\u2028", "\x85")]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode()
    assert [r.value for r in load_chat(tmp_path / "train.jsonl", data)] == lines
