"""One generation pass per test session: cached, batched, and safe under pytest-xdist.

    collect_responses ─▶ backend (mlx | openai | replay)
        │ file lock in the cache dir (or a per-run dir keyed by xdist's testrunuid)
        ├─ turn 1: cache lookup per prompt; misses generated in ONE batch; cache written
        └─ turn 2 (multi-turn queries whose turn 1 called a tool): the same, with the
           query's fixed tool result fed back
    ─▶ SessionResponses {query id: (turn-1 Response, turn-2 Response?)}

Every xdist worker calls :func:`collect_responses` with the same queries. The first to take
the lock generates everything and fills the cache; the others wait, then find every
response in the cache and never load the model. Progress goes to stderr, one line a batch.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from punie_eval.errors import UsageError
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.backends.base import Backend, Conversation, ModelIdentity
from punie_eval.generation.cache import GenerationCache, cache_key
from punie_eval.generation.prompts import turn1_messages, turn2_messages
from punie_eval.queries import Query, QuerySuite
from punie_eval.registry import ToolRegistry
from punie_eval.types import Response

LOCK_NAME = "generate.lock"
RUN_DIR_PREFIX = "punie-eval-run-"
Progress = Callable[[str], None]
FollowUp = Callable[[Query, Response], bool]


@dataclass(frozen=True)
class SessionResponses:
    """Everything the scorer needs from the generation phase, plus what it cost."""

    responses: dict[str, tuple[Response, ...]]  # query id -> turn 1 [, turn 2]
    identity: ModelIdentity
    model_loads: int  # model loads in THIS process (0 when every response came from the cache)
    generation_s: float  # seconds spent in the backend (generation + canary)
    cache_hits: int
    generated: int = 0  # responses produced by the backend in this process


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def session_dir(cache_dir: Path | None) -> Path | None:
    """Where workers meet: the cache dir, else a per-run dir under xdist, else nowhere (one process)."""
    if cache_dir is not None:
        return Path(cache_dir)
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return Path(tempfile.gettempdir()) / f"{RUN_DIR_PREFIX}{uid}" if uid else None


@contextmanager
def _locked(directory: Path | None, progress: Progress) -> Iterator[None]:
    if directory is None:
        yield
        return
    from filelock import FileLock, Timeout

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--cache-dir must be a folder, got a file: {directory}")
    lock = FileLock(str(directory / LOCK_NAME))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        progress(f"punie-eval: waiting for another worker to finish generating ({directory / LOCK_NAME})")
        lock.acquire()
    except OSError as err:  # a read-only cache still serves what it holds; it cannot be locked or written
        progress(f"punie-eval: cache {directory} is not writable ({err.strerror or err}): reading it, writing nothing")
        yield
        return
    try:
        yield
    finally:
        lock.release()


class _Pass:
    """Cache lookups and batched generation for one session."""

    def __init__(
        self, backend: Backend, identity: ModelIdentity, store: GenerationCache | None, decoding: Decoding
    ) -> None:
        self.backend = backend
        self.identity = identity
        self.store = store
        self.decoding = decoding
        self.hits = 0
        self.generated = 0
        self.seconds = 0.0

    def key(self, messages: Conversation) -> str:
        versions = self.identity.extra.get("versions", {})
        return cache_key(
            model_hash=self.identity.content_hash or f"unhashed:{self.identity.model_path}",
            messages=messages,
            decoding=self.decoding.as_dict(),
            versions=versions if isinstance(versions, dict) else {},
            blas=self.identity.blas,
            backend=self.identity.backend,
        )

    def run(self, label: str, items: Sequence[tuple[str, Conversation]], progress: Progress) -> dict[str, Response]:
        out: dict[str, Response] = {}
        keys: dict[str, str] = {}
        if self.store is not None:
            for qid, messages in items:
                keys[qid] = self.key(messages)
                cached = self.store.get(keys[qid])
                if cached is not None:
                    out[qid] = cached
        hits = len(out)
        self.hits += hits
        todo = [(qid, messages) for qid, messages in items if qid not in out]
        what = f"{len(items)} {label} prompts"
        if not todo:
            if items and self.store is not None:
                progress(f"punie-eval: {what}: all {hits} from the cache")
            return out
        cached_note = f", {hits} cached" if hits else ""
        verb = "replaying" if self.identity.backend == "replay" else "generating"
        print_start = f"punie-eval: {verb} {len(todo)} {label} prompts{cached_note} ({self.identity.name}) …"
        start = time.perf_counter()
        responses = self.backend.generate([m for _, m in todo], self.decoding.max_tokens, ids=[qid for qid, _ in todo])
        elapsed = time.perf_counter() - start
        self.seconds += elapsed
        self.generated += len(responses)
        tokens = sum(r.tokens or 0 for r in responses)
        rate = f", {tokens} tokens, {tokens / elapsed:.0f} tok/s" if tokens and elapsed > 0 else ""
        progress(f"{print_start} done in {elapsed:.1f} s{rate}")
        for (qid, _), response in zip(todo, responses, strict=True):
            out[qid] = response
            if self.store is not None:
                self.store.put(keys[qid], response, {"query": qid, "turn": label, "model": self.identity.name})
        return out


def collect_responses(
    *,
    suite: QuerySuite,
    queries: Sequence[Query],
    target: RunTarget,
    decoding: Decoding,
    cache_dir: Path | None,
    registry: ToolRegistry,
    follow_up: FollowUp,
    progress: Progress = stderr_progress,
) -> SessionResponses:
    """Responses for every query (both turns of multi-turn ones), each conversation generated at most once.

    ``queries`` may repeat a query (a query test and a snapshot test select the same one):
    each distinct query id is generated once. ``follow_up(query, turn1)`` says whether a
    query gets a second turn (the scorer's rule, passed in so generation knows no scoring).
    """
    queries = list({q.id: q for q in queries}.values())
    chosen = target.make_backend(cache_dir, decoding)
    identity = chosen.identity()
    if target.backend == "replay":
        shared = None  # reading a file: nothing to share or cache
    elif identity.content_hash is None:
        shared = session_dir(None)  # no content hash (remote model name): share within this run only
    else:
        shared = session_dir(cache_dir)
    store = GenerationCache(shared) if shared is not None else None
    run = _Pass(chosen, identity, store, decoding)
    with _locked(shared, progress):
        first = run.run("turn-1", [(q.id, turn1_messages(suite, q)) for q in queries], progress)
        follow = [q for q in queries if follow_up(q, first[q.id])]
        second = run.run(
            "turn-2",
            [(q.id, turn2_messages(suite, q, first[q.id].text, registry)) for q in follow],
            progress,
        )
    responses: dict[str, tuple[Response, ...]] = {
        q.id: (first[q.id], second[q.id]) if q.id in second else (first[q.id],) for q in queries
    }
    if chosen.model_loads:
        progress(f"punie-eval: model loads in this process: {chosen.model_loads}")
    return SessionResponses(
        responses=responses,
        identity=identity,
        model_loads=chosen.model_loads,
        generation_s=run.seconds,
        cache_hits=run.hits,
        generated=run.generated,
    )


__all__ = ["FollowUp", "SessionResponses", "collect_responses", "session_dir"]
