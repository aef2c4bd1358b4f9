"""The Backend Protocol and the identity of what a backend generates with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from punie_eval.types import Response

Conversation = list[dict[str, str]]


@dataclass(frozen=True)
class ModelIdentity:
    """Which model produced the responses, and how: goes into cache keys and run metadata."""

    backend: str  # mlx, openai, replay
    model_path: str | None  # the model directory (or the server's model id)
    name: str  # short display name
    content_hash: str | None  # fingerprint of the model directory; None when unknown
    blas: str  # which BLAS ran the matmuls (numerics differ between BLAS libraries)
    extra: Mapping[str, Any] = field(default_factory=dict)  # versions, base_url, replay file, ...


class Backend(Protocol):
    """Turns conversations into responses; loads its model at most once and counts it."""

    @property
    def model_loads(self) -> int:
        """How many times this backend loaded model weights in this process."""
        ...

    def identity(self) -> ModelIdentity:
        """Who answers; must not load the model."""
        ...

    def generate(
        self, conversations: Sequence[Conversation], max_tokens: int, *, ids: Sequence[str] | None = None
    ) -> list[Response]:
        """One greedy response per conversation, in order; ``ids`` name them in errors."""
        ...
