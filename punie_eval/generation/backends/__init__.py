"""Generation backends behind one small Protocol (see ``base.Backend``).

mlx     in-process mlx-lm, batched (default)
openai  any OpenAI-compatible /v1/chat/completions server (mlx_lm.server, vLLM, llama.cpp)
replay  responses recorded elsewhere (JSONL or a punie-eval results file), no model
"""

from __future__ import annotations

from punie_eval.generation.backends.base import Backend, Conversation, ModelIdentity

__all__ = ["Backend", "Conversation", "ModelIdentity"]
