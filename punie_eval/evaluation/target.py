"""What a run evaluates (``RunTarget``) and how it decodes (``Decoding``): resolved once, checked once.

Every entry point (the pytest plugin, the CLI, scripts, a notebook) builds these two values
and hands them to :func:`punie_eval.evaluate`; nothing downstream re-reads options or
re-checks combinations. A bad combination raises :class:`UsageError` when the value is made.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from punie_eval.errors import UsageError
from punie_eval.generation.backends.openai_backend import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_S

DEFAULT_CANARY = 3

if TYPE_CHECKING:
    from punie_eval.generation.backends.base import Backend

BackendName = Literal["mlx", "openai", "replay"]
BACKENDS: tuple[BackendName, ...] = ("mlx", "openai", "replay")
DEFAULT_MAX_TOKENS = 512


@dataclass(frozen=True)
class Decoding:
    """Decoding settings of every generation in a run; greedy by default."""

    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    chat_template_args: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"enable_thinking": False}

    def __post_init__(self) -> None:
        if isinstance(self.max_tokens, bool) or not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise UsageError(f"--max-tokens must be a positive integer, got {self.max_tokens!r}")
        if not math.isfinite(self.temperature) or self.temperature < 0:
            raise UsageError(f"--temperature must be a finite number >= 0, got {self.temperature!r}")
        if not math.isfinite(self.top_p) or not 0 < self.top_p <= 1:
            raise UsageError(f"--top-p must be in (0, 1], got {self.top_p!r}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def as_dict(self) -> dict[str, Any]:
        """The one JSON form: cache keys and results metadata both use it (template args only when given)."""
        out: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature}
        out |= {"top_p": self.top_p, "seed": self.seed}
        if self.chat_template_args:
            out["chat_template_args"] = dict(self.chat_template_args)
        return out


def check_sampling(target: RunTarget, decoding: Decoding, repeats: int) -> None:
    """Refuse repeats without sampling, and sampling of a recording."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise UsageError(f"--repeats must be a positive integer, got {repeats!r}")
    if repeats > 1 and decoding.greedy:
        raise UsageError(f"--repeats {repeats} needs --temperature > 0: greedy decoding answers the same every time")
    if target.backend == "replay" and (repeats > 1 or not decoding.greedy):
        raise UsageError("--repeats and --temperature need a model: a recording holds one answer per query")


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def display_name(raw: str) -> str:
    """A short name fit for a folder (snapshot lineage) and a report heading."""
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "-", raw).strip(".-")
    return cleaned or "model"


@dataclass(frozen=True)
class RunTarget:
    """Who answers: an in-process MLX model, a model behind an OpenAI-compatible server, or a recording.

    ``model`` is the local model directory (mlx, and openai where the server serves a local
    folder); ``adapter`` a LoRA adapter folder (``mlx_lm lora --adapter-path``) loaded on top of
    ``model`` without fusing.
    """

    backend: BackendName
    model: Path | None = None
    base_url: str | None = None
    replay: Path | None = None
    adapter: Path | None = None
    name: str = ""  # default: the model folder's name, the served model id, or the recording's model name
    model_id: str | None = None  # a served model's id (a hub id, a GGUF name) when it is not a local folder
    concurrency: int = DEFAULT_CONCURRENCY  # openai: requests in flight
    timeout_s: float = DEFAULT_TIMEOUT_S  # openai: total deadline of one request attempt
    batch_size: int | Literal["auto"] = "auto"  # mlx: sequences decoded at once ("auto": from memory)
    canary: int = DEFAULT_CANARY  # mlx: prompts re-generated one at a time to check batching (0: off)
    canary_strict: bool = False  # mlx: a canary mismatch aborts the run instead of warning

    def __post_init__(self) -> None:
        self._check()
        for name in ("model", "adapter"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value).expanduser().resolve())
        if not self.name:
            object.__setattr__(self, "name", display_name(self._default_name()))

    def _default_name(self) -> str:
        if self.replay is not None:
            from punie_eval.generation.backends.replay import recorded_model_name

            return recorded_model_name(Path(self.replay))
        if self.model_id is not None:
            return self.model_id
        name = Path(self.model or "model").name
        return f"{name}+{self.adapter.name}" if self.adapter is not None else name

    def _check(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}; got {self.backend!r}")
        if self.backend == "openai" and not self.base_url:
            raise UsageError("--backend openai needs --base-url URL (e.g. http://127.0.0.1:8080/v1)")
        if self.backend == "mlx" and self.model is None:
            raise UsageError("--model must name the model directory for the mlx backend, got nothing")
        if self.backend == "openai" and self.model is None and not self.model_id:
            raise UsageError("--model must name the model the server serves (a folder or a model id), got nothing")
        if self.model_id is not None and (self.backend != "openai" or self.model is not None):
            raise UsageError(f"--model {self.model_id!r} is not a model folder (a served id needs --backend openai)")
        if not _positive_int(self.concurrency):
            raise UsageError(f"--concurrency must be a positive integer, got {self.concurrency!r}")
        if self.batch_size != "auto" and not _positive_int(self.batch_size):
            raise UsageError(f"--batch-size must be a positive integer or auto, got {self.batch_size!r}")
        if isinstance(self.canary, bool) or not isinstance(self.canary, int) or self.canary < 0:
            raise UsageError(f"--canary must be an integer >= 0, got {self.canary!r}")
        if not math.isfinite(self.timeout_s) or self.timeout_s <= 0:
            raise UsageError(f"--timeout must be a positive number of seconds, got {self.timeout_s!r}")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must start with http:// or https://, got {self.base_url!r}")
        if self.base_url is not None and self.backend != "openai":
            raise UsageError(f"--base-url is for the openai backend, got it with --backend {self.backend}")
        if self.backend == "replay" and self.replay is None:
            raise UsageError("--backend replay needs --replay FILE (JSONL of recorded responses or a results file)")
        if self.replay is not None and self.backend != "replay":
            raise UsageError(f"--replay is for the replay backend, got it with --backend {self.backend}")
        if self.adapter is not None and self.backend != "mlx":
            raise UsageError(
                f"--adapter is for the mlx backend, got it with --backend {self.backend} "
                "(a server loads its adapter itself: mlx_lm.server --adapter-path DIR)"
            )

    @classmethod
    def local(cls, model: Path | str, adapter: Path | str | None = None) -> RunTarget:
        """An MLX model directory (with a LoRA adapter folder on top, unfused), generated in this process."""
        return cls("mlx", model=Path(model), adapter=Path(adapter) if adapter is not None else None)

    @classmethod
    def served(cls, base_url: str, model: Path | str, **transport: Any) -> RunTarget:
        """A model served at ``base_url``: a local model folder (hashed), or the server's model id."""
        if Path(model).expanduser().is_dir():
            return cls("openai", model=Path(model), base_url=base_url, **transport)
        return cls("openai", model_id=str(model), base_url=base_url, **transport)

    @classmethod
    def replayed(cls, path: Path | str) -> RunTarget:
        """Responses recorded in a JSONL or results file."""
        return cls("replay", replay=Path(path))

    def describe(self) -> str:
        """One line for the header: what answers and where."""
        if self.backend == "replay":
            return f"replay {self.replay}"
        if self.model_id is not None:
            return f"{self.model_id!r} (served id, not hashed) at {self.base_url}"
        where = f" at {self.base_url}" if self.backend == "openai" else ""
        adapter = f" + adapter {self.adapter}" if self.adapter is not None else ""
        return f"{self.model}{adapter}{where}"

    def make_backend(
        self, cache_dir: Path | None, decoding: Decoding | None = None, progress: Callable[[str], None] | None = None
    ) -> Backend:
        """The backend for this target, decoding with ``decoding`` (template args, sampling); loads nothing yet."""
        decoding = decoding or Decoding()
        template_args = dict(decoding.chat_template_args)
        if self.backend == "mlx":
            from punie_eval.generation.backends.mlx_backend import MlxBackend

            assert self.model is not None  # checked in __post_init__
            return MlxBackend(
                self.model,
                adapter=self.adapter,
                cache_dir=cache_dir,
                template_args=template_args,
                batch_size=self.batch_size,
                canary=self.canary,
                canary_strict=self.canary_strict,
                progress=progress,
                temperature=decoding.temperature,
                top_p=decoding.top_p,
            )
        if self.backend == "openai":
            from punie_eval.generation.backends.openai_backend import OpenAIBackend

            assert self.base_url is not None
            model = self.model if self.model is not None else str(self.model_id)
            return OpenAIBackend(
                self.base_url,
                model,
                cache_dir=cache_dir,
                concurrency=self.concurrency,
                timeout_s=self.timeout_s,
                template_args=template_args,
                progress=progress,
                temperature=decoding.temperature,
                top_p=decoding.top_p,
            )
        from punie_eval.generation.backends.replay import ReplayBackend

        assert self.replay is not None
        return ReplayBackend(self.replay)


__all__ = [
    "BACKENDS",
    "DEFAULT_CANARY",
    "DEFAULT_MAX_TOKENS",
    "BackendName",
    "Decoding",
    "RunTarget",
    "check_sampling",
    "display_name",
]
