"""In-process generation with mlx-lm: the model is loaded once, every batch is batched.

Prompts are rendered with the model's own chat template to token ids
(``apply_chat_template(messages, add_generation_prompt=True)``) and decoded by mlx-lm's
``BatchGenerator`` (continuous batching: at most ``batch_size`` sequences at once, the rest
wait their turn), greedily or with one seeded sampler per sequence. Each sequence is handed
to ``done`` the moment it finishes, so a caller can commit it before the batch ends. A
sequence that stops before ``max_tokens`` ended on an EOS token (finish reason ``stop``); one
that produced exactly ``max_tokens`` tokens hit the limit (``length``): the generator reports
an EOS on the last allowed step as ``stop`` and drops it, so the two cases cannot be confused.

Canary: batching pads prompts and changes matmul shapes, which should not change the text.
Every call regenerates a few of its prompts one at a time with ``stream_generate`` (with the
same seeded sampler when sampling) and compares tokens. A difference is recorded in
``canary_mismatches`` and reported as a warning (quantized GPU kernels need not be
bit-identical across batch sizes); ``canary_strict`` raises :class:`BackendError` instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from punie_eval.errors import BackendError, ModelError
from punie_eval.generation.backends.base import Conversation, Done, ModelIdentity, Request
from punie_eval.generation.fingerprint import adapter_fingerprint, fingerprint
from punie_eval.types import FinishReason, Response

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
    """Token ids and text of one generation."""

    token_ids: tuple[int, ...]
    text: str
    finish_reason: FinishReason
    seconds: float | None = field(default=None, compare=False)  # from the start of its batch


@dataclass(frozen=True)
class CanaryMismatch:
    """A prompt whose batched tokens differ from its one-at-a-time tokens."""

    request: str
    token: int  # index of the first differing token
    batched: str  # the text from there on, shortened
    sequential: str

    def describe(self) -> str:
        return (
            f"batched generation diverged from sequential for {self.request} at token {self.token}: "
            f"batched {self.batched} vs sequential {self.sequential}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Sampler = Callable[[Any], Any]


def keyed_sampler(temperature: float, top_p: float, seed: int) -> Sampler:
    """A sampler with its own PRNG key chain: its draws depend on its seed alone, not on the batch."""
    import mlx.core as mx
    from mlx_lm.sample_utils import apply_top_p

    state = [mx.random.key(seed)]

    def sample(logprobs: Any) -> Any:
        keys = mx.random.split(state[0])
        state[0], key = keys[0], keys[1]
        if 0 < top_p < 1:
            logprobs = apply_top_p(logprobs, top_p)
        return mx.random.categorical(logprobs * (1 / temperature), key=key)

    return sample


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
        canary: int = 3,
        canary_strict: bool = False,
        template_args: Mapping[str, Any] | None = None,
        temperature: float = 0.0,
        top_p: float = 1.0,
        batch_size: int | Literal["auto"] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.progress = progress or (lambda line: None)
        self.temperature, self.top_p = temperature, top_p
        self.batch_size = batch_size  # sequences decoded at once; None: every prompt of a call together
        self.canary_strict = canary_strict
        self.canary_mismatches: list[CanaryMismatch] = []
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
                name, digest = self.model_dir.name, fingerprint(self.model_dir, self.cache_dir, self.progress)
            else:
                name = f"{self.model_dir.name}+{self.adapter.name}"
                digest = adapter_fingerprint(self.model_dir, self.adapter, self.cache_dir, self.progress)
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

            started = time.monotonic()
            self.progress(f"punie-eval: loading {self.identity().name} …")
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
            self.progress(f"punie-eval: loaded {self.identity().name} in {time.monotonic() - started:.1f} s")
        return self._model, self._tokenizer

    def render(self, conversation: Conversation) -> list[int]:
        _, tokenizer = self.load()
        return list(tokenizer.apply_chat_template(conversation, add_generation_prompt=True, **self.template_args))

    def sampler(self, seed: int | None) -> Sampler | None:
        """This sequence's sampler: None (greedy) at temperature 0."""
        if self.temperature == 0:
            return None
        if seed is None:
            raise ValueError("sampling needs a seed per request")
        return keyed_sampler(self.temperature, self.top_p, seed)

    def generate(self, requests: Sequence[Request], max_tokens: int, *, done: Done | None = None) -> list[Response]:
        if not requests:
            return []
        prompts = [self.render(r.messages) for r in requests]

        def finished(i: int, g: Generated) -> None:
            if done is not None:
                done(i, response(g))

        batched = self.generate_batch(prompts, max_tokens, [r.seed for r in requests], finished)
        for i in canary_indices(prompts, self.canary):
            alone = self.generate_one(prompts[i], max_tokens, requests[i].seed)
            mismatch = canary_mismatch(requests[i].id, batched[i], alone, self.load()[1].decode)
            if mismatch is not None and self.canary_strict:
                raise BackendError(mismatch.describe() + " (--canary-strict)")
            if mismatch is not None:
                self.canary_mismatches.append(mismatch)
        return [response(g) for g in batched]

    def plan(self, prompts: Sequence[Sequence[int]], max_tokens: int) -> int:
        """The batch width for these prompts (``--batch-size``, or auto from the KV cache and free memory).

        On CPU the per-step overhead, not the matmuls, dominates for small models, so fewer,
        wider steps are faster: when memory allows, every prompt is decoded at once.
        """
        from punie_eval.generation.batching import available_memory, plan_batch, read_config

        longest = max(len(p) for p in prompts)
        config = read_config(self.model_dir)
        plan = plan_batch(self.batch_size, len(prompts), longest, max_tokens, config, available_memory())
        if self.batch_size is not None:
            self.progress(f"punie-eval: batch size {plan.size} ({plan.reason})")
        return plan.size

    def generate_batch(
        self,
        prompts: Sequence[Sequence[int]],
        max_tokens: int,
        seeds: Sequence[int | None] | None = None,
        done: Callable[[int, Generated], None] | None = None,
    ) -> list[Generated]:
        """All prompts through one ``BatchGenerator``; ``done(i, generated)`` as each sequence finishes."""
        from mlx_lm.generate import BatchGenerator

        model, tokenizer = self.load()
        width = self.plan(prompts, max_tokens)
        generator: Any = BatchGenerator(  # untyped in mlx-lm
            model,
            stop_tokens=[[t] for t in tokenizer.eos_token_ids],
            completion_batch_size=width,
            prefill_batch_size=min(width, max(8, len(prompts))),  # mlx-lm's defaults: 8 and 32
        )
        samplers = [self.sampler(seed) for seed in (seeds or [None] * len(prompts))]
        started = time.monotonic()
        out: list[Generated | None] = [None] * len(prompts)
        try:
            uids = generator.insert(
                [list(p) for p in prompts],
                [max_tokens] * len(prompts),
                samplers=samplers if any(s is not None for s in samplers) else None,
            )
            index = {uid: i for i, uid in enumerate(uids)}
            tokens: dict[int, list[int]] = {uid: [] for uid in uids}
            while responses := generator.next_generated():
                for r in responses:
                    if r.finish_reason != "stop":
                        tokens[r.uid].append(int(r.token))
                    if r.finish_reason is None:
                        continue
                    ids = tokens[r.uid]
                    reason: FinishReason = "length" if len(ids) >= max_tokens else "stop"
                    generated = Generated(tuple(ids), tokenizer.decode(ids), reason, time.monotonic() - started)
                    out[index[r.uid]] = generated
                    if done is not None:
                        done(index[r.uid], generated)
        finally:
            generator.close()
        missing = [i for i, g in enumerate(out) if g is None]
        if missing:
            raise BackendError(f"mlx-lm's BatchGenerator finished without {len(missing)} of {len(out)} sequences")
        return [g for g in out if g is not None]

    def generate_one(self, prompt: Sequence[int], max_tokens: int, seed: int | None = None) -> Generated:
        """One prompt with ``stream_generate`` (the sequential reference), with a fresh sampler of ``seed``."""
        from mlx_lm import stream_generate

        model, tokenizer = self.load()
        ids: list[int] = []
        reason: FinishReason = "length"
        for chunk in stream_generate(model, tokenizer, list(prompt), max_tokens=max_tokens, sampler=self.sampler(seed)):
            if chunk.finish_reason == "stop":
                reason = "stop"  # the final chunk carries the EOS token: not part of the text
                break
            ids.append(int(chunk.token))
        return Generated(tuple(ids), tokenizer.decode(ids), reason)


def response(g: Generated) -> Response:
    seconds = round(g.seconds, 3) if g.seconds is not None else None
    return Response(g.text, g.finish_reason, len(g.token_ids), seconds=seconds)


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


def canary_mismatch(
    name: str, batched: Generated, sequential: Generated, decode: Callable[[Sequence[int]], str] = repr
) -> CanaryMismatch | None:
    """Where ``batched`` first differs from ``sequential`` (tokens or finish reason), else None."""
    if batched.token_ids == sequential.token_ids and batched.finish_reason == sequential.finish_reason:
        return None
    pairs = zip(batched.token_ids, sequential.token_ids, strict=False)
    at = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(batched.token_ids), len(sequential.token_ids)))
    return CanaryMismatch(name, at, _tail(batched, at, decode), _tail(sequential, at, decode))


def _tail(g: Generated, at: int, decode: Callable[[Sequence[int]], str]) -> str:
    """The generation from the first differing token on (12 tokens), and how it ended."""
    return f"{decode(g.token_ids[at : at + 12])!r}… ({len(g.token_ids)} tokens, {g.finish_reason})"


__all__ = [
    "CanaryMismatch",
    "Generated",
    "MlxBackend",
    "canary_indices",
    "canary_mismatch",
    "check_probe",
    "check_tokenizer_files",
    "keyed_sampler",
    "mlx_versions",
]
