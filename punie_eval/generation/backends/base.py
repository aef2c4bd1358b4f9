"""The Backend Protocol, what it is asked (``Request``) and the identity of what it generates with."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from punie_eval.types import Response

Conversation = list[dict[str, str]]
Done = Callable[[int, Response], None]  # (index into the requests, its response), as soon as it is finished


@dataclass(frozen=True)
class Request:
    """One conversation to answer: ``id`` names it in errors (query id, ``#repeat`` when sampling)."""

    id: str
    messages: Conversation
    query: str = ""  # the query id (the replay backend looks answers up by it); default: ``id``
    seed: int | None = None  # this sequence's own sampling seed (sampling only), so batching cannot change it

    @property
    def query_id(self) -> str:
        return self.query or self.id


def as_requests(conversations: Sequence[Conversation], ids: Sequence[str] | None = None) -> list[Request]:
    """Greedy requests for plain conversations, named by ``ids`` (default ``#0``, ``#1``, …)."""
    names = list(ids) if ids is not None else [f"#{i}" for i in range(len(conversations))]
    return [Request(name, list(c)) for name, c in zip(names, conversations, strict=True)]


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
    """Turns requests into responses; loads its model at most once and counts it.

    Sampling settings (temperature, top-p) come from the run's ``Decoding`` when the backend
    is made; each request carries its own seed.
    """

    @property
    def model_loads(self) -> int:
        """How many times this backend loaded model weights in this process."""
        ...

    def identity(self) -> ModelIdentity:
        """Who answers; must not load the model."""
        ...

    def generate(self, requests: Sequence[Request], max_tokens: int, *, done: Done | None = None) -> list[Response]:
        """One response per request, in order; ``done`` hears of each as soon as it is finished."""
        ...
