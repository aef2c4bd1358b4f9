"""A throwaway tiny MLX model for engine and backend tests: real files, random weights.

Built with the project's own reference-model pieces (``punie_eval.refmodel``): a byte-level
BPE tokenizer trained in a fraction of a second on the query suite's text, with the ChatML
template, and a seeded random-init Qwen3 smaller than the reference model. Greedy decoding of
random weights is deterministic, which is all the engine needs; it never emits EOS, so most
generations end at ``max_tokens`` (finish reason ``length``). ``stop_after`` adds the token
the model most often emits to ``eos_token_id``, giving a model that really stops early.
"""

from __future__ import annotations

import json
from pathlib import Path

from punie_eval.blas import load_fast_blas
from punie_eval.paths import default_queries_file
from punie_eval.refmodel.architecture import Shape, init_model, model_config
from punie_eval.refmodel.tokenizer import IM_END, token_ids, train_tokenizer

TINY = Shape(
    hidden_size=64,
    num_hidden_layers=1,
    intermediate_size=128,
    num_attention_heads=2,
    num_key_value_heads=1,
    head_dim=32,
    vocab_size=512,
)
CALL = (
    "<tool_call>\n<function=execute_code>\n<parameter=code>\n"
    'result = git_status(".")\nprint(result.clean)\n</parameter>\n</function>\n</tool_call>'
)


def _corpus() -> list[str]:
    suite = json.loads(default_queries_file().read_text(encoding="utf-8"))
    texts = [suite["system_prompt"], CALL, "user", "assistant", "system"]
    return texts + [q["prompt"] for q in suite["queries"]] * 3


def build_tiny_model(out_dir: Path, *, seed: int = 0) -> Path:
    """Tokenizer + random-init fp32 Qwen3 (~50k parameters) in ``out_dir``."""
    load_fast_blas()  # before mlx is imported, as every MLX user in the project does
    vocab = train_tokenizer(_corpus(), TINY.vocab_size, out_dir)
    config = model_config(TINY, vocab, [token_ids(out_dir)[IM_END]])
    # Tied random embeddings make the model echo its last prompt token forever; an untied
    # head gives varied (still meaningless) greedy text.
    config["tie_word_embeddings"] = False
    init_model(config, seed, out_dir)
    return out_dir


def set_extra_eos(model_dir: Path, token_id: int) -> None:
    """Make ``token_id`` an end-of-sequence token too (config.json ``eos_token_id`` list)."""
    path = model_dir / "config.json"
    config = json.loads(path.read_text())
    config["eos_token_id"] = [*config["eos_token_id"], token_id]
    path.write_text(json.dumps(config, indent=2))
