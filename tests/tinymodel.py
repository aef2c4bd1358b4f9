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

from punie_eval.generation.blas import load_fast_blas
from punie_eval.generation.prompts import turn1_messages
from punie_eval.paths import default_queries_file
from punie_eval.queries import QuerySuite
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


def teach(model_dir: Path, examples: list[tuple[list[dict[str, str]], str]], *, steps: int = 150) -> float:
    """Overfit the model on (messages, assistant text) pairs so greedy decoding reproduces them.

    A few hundred Adam steps on a handful of sequences: the model then really emits these
    answers (tool calls included) and ends them with EOS. Returns the final loss.
    """
    load_fast_blas()
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx_lm import load
    from mlx_lm.utils import save_model

    mx.random.seed(0)
    model, tokenizer = load(str(model_dir))[:2]
    eos = token_ids(model_dir)[IM_END]
    rows = []
    for messages, target in examples:
        prompt = list(tokenizer.apply_chat_template(messages, add_generation_prompt=True))
        rows.append((prompt + tokenizer.encode(target, add_special_tokens=False) + [eos], len(prompt)))
    width = max(len(ids) for ids, _ in rows) - 1
    inputs = mx.array([ids[:-1] + [0] * (width + 1 - len(ids)) for ids, _ in rows])
    labels = mx.array([ids[1:] + [0] * (width + 1 - len(ids)) for ids, _ in rows])
    mask = mx.array([[1.0 if start - 1 <= i < len(ids) - 1 else 0.0 for i in range(width)] for ids, start in rows])

    def loss_fn(m: nn.Module, x: mx.array, y: mx.array, w: mx.array) -> mx.array:
        return (nn.losses.cross_entropy(m(x), y) * w).sum() / w.sum()

    optimizer = optim.Adam(learning_rate=1e-2)
    step = nn.value_and_grad(model, loss_fn)
    loss = mx.array(0.0)
    for _ in range(steps):
        loss, grads = step(model, inputs, labels, mask)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
    save_model(model_dir, model)
    return float(loss.item())


PREAMBLE = "Let me check.\n"
PROSE = "I can run tools for you."


def taught_answers(suite: QuerySuite) -> dict[str, str]:
    """Turn-1 answers the taught model gives: a bare call, a preamble + call, and prose."""
    multi = [q.id for q in suite.queries if q.turn2 is not None]
    prose = next(q.id for q in suite.queries if q.expect == "prose")
    return {multi[0]: CALL, multi[1]: PREAMBLE + CALL, prose: PROSE}


def build_taught_model(out_dir: Path, suite: QuerySuite, *, seed: int = 1) -> Path:
    """The tiny model, taught ``taught_answers``; other prompts get random text up to max_tokens."""
    build_tiny_model(out_dir, seed=seed)
    by_id = suite.by_id()
    teach(out_dir, [(turn1_messages(suite, by_id[qid]), text) for qid, text in taught_answers(suite).items()])
    return out_dir
