"""In-process generation with mlx-lm: the model is loaded once, every batch is batched.

Prompts are rendered with the model's own chat template to token ids
(``apply_chat_template(messages, add_generation_prompt=True)``) and decoded greedily by
``mlx_lm.batch_generate``. A sequence that stops before ``max_tokens`` ended on an EOS token
(finish reason ``stop``); one that produced exactly ``max_tokens`` tokens hit the limit
(``length``): ``BatchGenerator`` reports an EOS on the last allowed step as ``stop`` and
drops it, so the two cases cannot be confused.

Canary: batching pads prompts and changes matmul shapes, which must not change greedy
text. Every call regenerates a few of its prompts one at a time with ``stream_generate``
and raises :class:`BackendError` if any token differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from punie_eval.errors import BackendError, ModelError
from punie_eval.generation.backends.base import Conversation, ModelIdentity
from punie_eval.generation.fingerprint import adapter_fingerprint, fingerprint
from punie_eval.types import FinishReason, Response

DEFAULT_CANARY = 3
# A tokenizer is one of these file sets; without any, transformers falls back to a tokenizer
# that encodes every prompt to its special tokens alone and the model is scored 0 for nothing.
TOKENIZER_FILES = (("tokenizer.json",), ("vocab.json", "merges.txt"), ("tokenizer.model",))
PROBE = "Show the current git status of the repository, then list the files that changed."
MIN_PROBE_TOKENS = 4  # distinct ids; any real tokenizer gives one or more per word of PROBE


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def mlx_versions() -> dict[str, str]:
    """mlx and mlx-lm versions, read from package metadata (does not import mlx)."""
    return {"mlx": package_version("mlx"), "mlx_lm": package_version("mlx-lm")}


@dataclass(frozen=True)
class Generated:
    """Token ids and text of one greedy generation."""

    token_ids: tuple[int, ...]
    text: str
    finish_reason: FinishReason


def canary_indices(prompts: Sequence[Sequence[int]], n: int) -> list[int]:
    """Up to ``n`` prompts to re-check one at a time: the longest, the shortest, then the median."""
    if n <= 0 or not prompts:
        return []
    by_length = sorted(range(len(prompts)), key=lambda i: (len(prompts[i]), i))
    picks: list[int] = []
    for i in (by_length[-1], by_length[0], by_length[len(by_length) // 2], *by_length):
        if i not in picks:
            picks.append(i)
        if len(picks) == n:
            break
    return picks


class MlxBackend:
    """The default backend: mlx-lm in this process."""

    def __init__(
        self,
        model_dir: Path,
        *,
        adapter: Path | None = None,
        cache_dir: Path | None = None,
        canary: int = DEFAULT_CANARY,
        template_args: Mapping[str, Any] | None = None,
    ) -> None:
        self.template_args = dict(template_args or {})  # extra apply_chat_template arguments (enable_thinking)
        self.model_dir = Path(model_dir).resolve()
        self.adapter = Path(adapter).resolve() if adapter is not None else None  # LoRA, loaded unfused
        self.cache_dir = cache_dir
        self.canary = canary
        self._model: Any = None
        self._tokenizer: Any = None
        self._loads = 0
        self._identity: ModelIdentity | None = None

    @property
    def model_loads(self) -> int:
        return self._loads

    def identity(self) -> ModelIdentity:
        if self._identity is None:
            from punie_eval.generation.blas import load_fast_blas

            blas = load_fast_blas()  # before anything imports mlx
            if self.adapter is None:
                name, digest = self.model_dir.name, fingerprint(self.model_dir, self.cache_dir)
            else:
                name = f"{self.model_dir.name}+{self.adapter.name}"
                digest = adapter_fingerprint(self.model_dir, self.adapter, self.cache_dir)
            extra: dict[str, Any] = {"versions": mlx_versions()}
            if self.adapter is not None:
                extra["adapter"] = str(self.adapter)
            self._identity = ModelIdentity(
                backend="mlx", model_path=str(self.model_dir), name=name, content_hash=digest, blas=blas, extra=extra
            )
        return self._identity

    def load(self) -> tuple[Any, Any]:
        """Load model and tokenizer on first use; later calls return the same objects."""
        if self._model is None:
            self.identity()  # loads the fast BLAS before mlx is imported
            check_tokenizer_files(self.model_dir)
            from mlx_lm import load

            try:
                adapter = str(self.adapter) if self.adapter is not None else None
                loaded = load(str(self.model_dir), adapter_path=adapter)
            except Exception as err:  # mlx_lm/mlx raise OSError, ValueError, KeyError, RuntimeError, ...
                raise ModelError(f"{self.model_dir}: cannot be loaded by mlx_lm: {err}") from err
            if not getattr(loaded[1], "has_chat_template", True):
                raise ModelError(
                    f"{self.model_dir}: tokenizer must have a chat template (tokenizer_config.json "
                    "chat_template or chat_template.jinja), got none"
                )
            check_probe(self.model_dir, loaded[1])
            self._model, self._tokenizer = loaded[0], loaded[1]
            self._loads += 1
        return self._model, self._tokenizer

    def render(self, conversation: Conversation) -> list[int]:
        _, tokenizer = self.load()
        return list(tokenizer.apply_chat_template(conversation, add_generation_prompt=True, **self.template_args))

    def generate(
        self, conversations: Sequence[Conversation], max_tokens: int, *, ids: Sequence[str] | None = None
    ) -> list[Response]:
        if not conversations:
            return []
        prompts = [self.render(c) for c in conversations]
        batched = self.generate_batch(prompts, max_tokens)
        names = list(ids) if ids is not None else [f"#{i}" for i in range(len(prompts))]
        picks = canary_indices(prompts, self.canary)
        check_canary(
            [names[i] for i in picks],
            [batched[i] for i in picks],
            [self.generate_one(prompts[i], max_tokens) for i in picks],
        )
        return [Response(g.text, g.finish_reason, len(g.token_ids)) for g in batched]

    def generate_batch(self, prompts: Sequence[Sequence[int]], max_tokens: int) -> list[Generated]:
        """Greedy ``batch_generate`` over all prompts at once."""
        from mlx_lm import batch_generate

        model, tokenizer = self.load()
        # Decode every prompt in one batch: on CPU the per-step overhead, not the matmuls,
        # dominates for small models, so fewer, wider steps are faster (mlx-lm's default is 32).
        result = batch_generate(
            model,
            tokenizer,
            [list(p) for p in prompts],
            max_tokens=max_tokens,
            return_token_ids=True,
            completion_batch_size=max(32, len(prompts)),
            prefill_batch_size=max(8, len(prompts)),
        )
        out = []
        for text, ids in zip(result.texts, result.token_ids or [], strict=True):
            reason: FinishReason = "length" if len(ids) >= max_tokens else "stop"
            out.append(Generated(tuple(int(t) for t in ids), text, reason))
        return out

    def generate_one(self, prompt: Sequence[int], max_tokens: int) -> Generated:
        """Greedy generation of one prompt with ``stream_generate`` (the sequential reference)."""
        from mlx_lm import stream_generate

        model, tokenizer = self.load()
        ids: list[int] = []
        reason: FinishReason = "length"
        for chunk in stream_generate(model, tokenizer, list(prompt), max_tokens=max_tokens):
            if chunk.finish_reason == "stop":
                reason = "stop"  # the final chunk carries the EOS token: not part of the text
                break
            ids.append(int(chunk.token))
        return Generated(tuple(ids), tokenizer.decode(ids), reason)


def check_tokenizer_files(model_dir: Path) -> None:
    """Refuse a model folder holding none of the tokenizer file sets (one ModelError line)."""
    if not any(all((model_dir / name).is_file() for name in names) for names in TOKENIZER_FILES):
        wanted = ", or ".join(" and ".join(names) for names in TOKENIZER_FILES)
        found = sorted(p.name for p in model_dir.iterdir())
        raise ModelError(f"{model_dir}: must hold tokenizer files ({wanted}), got {found!r}")


def check_probe(model_dir: Path, tokenizer: Any) -> None:
    """Refuse a tokenizer that encodes an ordinary request to almost nothing: it cannot carry any prompt."""
    try:
        ids = list(tokenizer.encode(PROBE, add_special_tokens=False))
    except Exception as err:  # a broken tokenizer raises whatever its implementation raises
        raise ModelError(f"{model_dir}: tokenizer must encode text, got {type(err).__name__}: {err}") from None
    if len(set(ids)) < MIN_PROBE_TOKENS:
        raise ModelError(
            f"{model_dir}: tokenizer must encode a {len(PROBE.split())}-word probe to at least "
            f"{MIN_PROBE_TOKENS} distinct tokens, got {ids[:8]!r} (is tokenizer.json incomplete?)"
        )


def check_canary(names: Sequence[str], batched: Sequence[Generated], sequential: Sequence[Generated]) -> None:
    """Raise BackendError naming the first prompt whose batched tokens differ from sequential ones."""
    for name, b, s in zip(names, batched, sequential, strict=True):
        if b.token_ids != s.token_ids or b.finish_reason != s.finish_reason:
            at = next(
                (i for i, (x, y) in enumerate(zip(b.token_ids, s.token_ids, strict=False)) if x != y),
                min(len(b.token_ids), len(s.token_ids)),
            )
            raise BackendError(
                f"batched generation diverged from sequential for query {name}: first difference at token {at} "
                f"(batched {len(b.token_ids)} tokens, {b.finish_reason}; sequential {len(s.token_ids)} tokens, "
                f"{s.finish_reason}); batched {b.text[:80]!r} vs sequential {s.text[:80]!r}"
            )


__all__ = [
    "Generated",
    "MlxBackend",
    "canary_indices",
    "check_canary",
    "check_probe",
    "check_tokenizer_files",
    "mlx_versions",
]
