"""The reference model's architecture: a small Qwen3 (mlx_lm.models.qwen3), fp32, fixed-seed init.

Every matrix dimension (hidden size, heads x head_dim, intermediate size) is a multiple of
64, so 5-bit quantization with group size 64 (the users' pipeline setting) quantizes every
Linear and the tied embedding: ``quantize_model`` silently skips layers whose input
dimension the group size does not divide.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Size = Literal["tiny", "deep", "small", "demo"]
QUANT_GROUP_SIZE = 64


@dataclass(frozen=True)
class Shape:
    hidden_size: int
    num_hidden_layers: int
    intermediate_size: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    vocab_size: int  # target; the corpus may saturate below it


SHAPES: dict[str, Shape] = {
    "tiny": Shape(128, 2, 384, 4, 2, 32, 2048),
    "deep": Shape(128, 4, 384, 4, 2, 32, 2048),
    "small": Shape(256, 2, 768, 4, 2, 64, 2048),
    "demo": Shape(256, 4, 768, 4, 2, 64, 4096),
}


def model_config(shape: Shape, vocab_size: int, eos_token_ids: list[int]) -> dict[str, Any]:
    """The HF-style ``config.json`` of a Qwen3 model of ``shape`` with the trained vocab size."""
    for name in ("hidden_size", "intermediate_size"):
        if getattr(shape, name) % QUANT_GROUP_SIZE:
            raise ValueError(f"{name} must be a multiple of {QUANT_GROUP_SIZE}, got {getattr(shape, name)}")
    config = {k: v for k, v in asdict(shape).items() if k != "vocab_size"}
    return {
        "model_type": "qwen3",
        "architectures": ["Qwen3ForCausalLM"],
        **config,
        "rms_norm_eps": 1e-6,
        "vocab_size": vocab_size,
        "max_position_embeddings": 4096,
        "rope_theta": 10000.0,  # required by qwen3.ModelArgs
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "bos_token_id": None,
        "eos_token_id": eos_token_ids,
    }


def init_model(config: dict[str, Any], seed: int, out_dir: Path) -> int:
    """Randomly initialise (seeded, fp32) and save the model; returns its parameter count."""
    import mlx.core as mx
    from mlx_lm.models import qwen3
    from mlx_lm.utils import save_config, save_model

    mx.random.seed(seed)
    args: Any = qwen3.ModelArgs.from_dict(config)  # type: ignore[no-untyped-call]
    model = qwen3.Model(args)
    mx.eval(model.parameters())
    out_dir.mkdir(parents=True, exist_ok=True)
    save_model(out_dir, model)
    save_config(dict(config), out_dir / "config.json")
    return parameter_count(model)


def parameter_count(model: Any) -> int:
    from mlx.utils import tree_flatten

    flat: Any = tree_flatten(model.parameters())
    return sum(int(v.size) for _, v in flat)


def load_model(model_dir: Path) -> tuple[Any, Any]:
    """``mlx_lm.load``: (model, TokenizerWrapper), typed loosely (mlx-lm is untyped)."""
    from mlx_lm import load

    loaded: Any = load(str(model_dir))
    return loaded[0], loaded[1]
