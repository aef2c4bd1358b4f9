"""mlx backend: one lazy load, batched greedy text equal to sequential, EOS vs max tokens, canary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tinymodel import PROSE, build_taught_model, taught_answers

from punie_eval.errors import BackendError, ModelError
from punie_eval.generation.backends.base import as_requests
from punie_eval.generation.backends.mlx_backend import (
    MIN_PROBE_TOKENS,
    PROBE,
    Generated,
    MlxBackend,
    canary_indices,
    canary_mismatch,
)
from punie_eval.generation.fingerprint import fingerprint
from punie_eval.generation.prompts import turn1_messages
from punie_eval.queries import Query, QuerySuite, load_suite
from punie_eval.types import Response

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def suite() -> QuerySuite:
    return load_suite()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, suite: QuerySuite) -> Path:
    return build_taught_model(tmp_path_factory.mktemp("tiny") / "model", suite)


@pytest.fixture(scope="module")
def backend(model_dir: Path) -> MlxBackend:
    return MlxBackend(model_dir)


def test_mlx_identity_does_not_load_the_model(model_dir: Path) -> None:
    """identity() fingerprints the directory and names the BLAS without loading weights."""
    fresh = MlxBackend(model_dir)
    identity = fresh.identity()
    assert (identity.backend, identity.content_hash, fresh.model_loads) == ("mlx", fingerprint(model_dir), 0)
    assert identity.blas
    assert set(identity.extra["versions"]) == {"mlx", "mlx_lm"}


def test_mlx_loads_the_model_once(model_dir: Path, suite: QuerySuite) -> None:
    """Several generate calls share one model load."""
    fresh = MlxBackend(model_dir, canary=0)
    for query in suite.queries[:2]:
        fresh.generate(as_requests([turn1_messages(suite, query)]), 8)
    assert fresh.model_loads == 1


def test_mlx_taught_answers_end_on_eos(backend: MlxBackend, suite: QuerySuite) -> None:
    """Answers that end with EOS before max_tokens have finish reason stop and their token count."""
    by_id = suite.by_id()
    answers = taught_answers(suite)
    responses = backend.generate(as_requests([turn1_messages(suite, by_id[q]) for q in answers], list(answers)), 128)
    assert [r.text for r in responses] == list(answers.values())
    assert [r.finish_reason for r in responses] == ["stop"] * len(answers)
    _, tokenizer = backend.load()
    prose = responses[list(answers.values()).index(PROSE)]
    assert prose.tokens == len(tokenizer.encode(PROSE, add_special_tokens=False))


def test_mlx_untaught_answers_hit_max_tokens(backend: MlxBackend, suite: QuerySuite) -> None:
    """Random text with no EOS stops at max_tokens: finish reason length, tokens == max_tokens."""
    untaught = [q for q in suite.queries if q.id not in taught_answers(suite)][:3]
    responses = backend.generate(as_requests([turn1_messages(suite, q) for q in untaught]), 12)
    assert [(r.finish_reason, r.tokens) for r in responses] == [("length", 12)] * 3


def test_mlx_batched_equals_sequential_for_every_query(backend: MlxBackend, suite: QuerySuite) -> None:
    """batch_generate gives exactly the token ids of one-at-a-time generation for all 57 prompts."""
    prompts = [backend.render(turn1_messages(suite, q)) for q in suite.queries]
    batched = backend.generate_batch(prompts, 24)
    sequential = [backend.generate_one(p, 24) for p in prompts]
    assert batched == sequential


def _long_answer(backend: MlxBackend, suite: QuerySuite) -> Query:
    """A query whose greedy answer runs to at least 20 tokens (no early EOS)."""
    return next(
        q
        for q in suite.queries
        if backend.generate_batch([backend.render(turn1_messages(suite, q))], 20)[0].finish_reason == "length"
    )


def test_mlx_canary_catches_a_real_divergence(backend: MlxBackend, suite: QuerySuite) -> None:
    """Sequential text generated with fewer max_tokens than the batch is found as a divergence at token 16."""
    query = _long_answer(backend, suite)
    prompt = backend.render(turn1_messages(suite, query))
    batched, alone = backend.generate_batch([prompt], 20)[0], backend.generate_one(prompt, 16)
    mismatch = canary_mismatch(query.id, batched, alone, backend.load()[1].decode)
    assert mismatch is not None
    assert (mismatch.request, mismatch.token) == (query.id, 16)
    assert mismatch.batched.endswith("(20 tokens, length)")
    assert mismatch.sequential == "''… (16 tokens, length)"
    assert canary_mismatch(query.id, batched, batched) is None


class _ShortSequential(MlxBackend):
    """A backend whose sequential reference really generates 4 tokens fewer than asked."""

    def generate_one(self, prompt: list[int], max_tokens: int, seed: int | None = None):  # type: ignore[no-untyped-def,override]
        return super().generate_one(prompt, max_tokens - 4, seed)


def test_mlx_canary_mismatch_is_a_warning_by_default(backend: MlxBackend, model_dir: Path, suite: QuerySuite) -> None:
    """A divergence is recorded with the first differing token and the batched responses are still returned."""
    query = _long_answer(backend, suite)
    short = _ShortSequential(model_dir)
    (response,) = short.generate(as_requests([turn1_messages(suite, query)], [query.id]), 16)
    assert response.tokens == 16
    assert [(m.request, m.token) for m in short.canary_mismatches] == [(query.id, 12)]
    assert "diverged from sequential for " + query.id + " at token 12" in short.canary_mismatches[0].describe()


def test_mlx_canary_strict_raises_on_divergence(backend: MlxBackend, model_dir: Path, suite: QuerySuite) -> None:
    """With canary_strict the divergence aborts the call with BackendError naming the request."""
    query = _long_answer(backend, suite)
    with pytest.raises(BackendError, match=f"diverged from sequential for {query.id} at token 12.*--canary-strict"):
        _ShortSequential(model_dir, canary_strict=True).generate(
            as_requests([turn1_messages(suite, query)], [query.id]), 16
        )


@pytest.mark.parametrize(
    ("lengths", "n", "expected"),
    [
        ([5, 9, 7, 3, 8], 3, [1, 3, 2]),
        ([5, 9], 3, [1, 0]),
        ([5, 9, 7], 0, []),
        ([4, 4, 4, 4], 2, [3, 0]),
    ],
    ids=["longest-shortest-median", "fewer-prompts", "disabled", "ties"],
)
def test_mlx_canary_indices_pick_extremes(lengths: list[int], n: int, expected: list[int]) -> None:
    """The canary re-checks the longest, the shortest and the median prompt (padding extremes)."""
    assert canary_indices([[0] * k for k in lengths], n) == expected


def test_mlx_missing_model_is_a_model_error(tmp_path: Path) -> None:
    """A model path that does not exist fails before anything is loaded."""
    with pytest.raises(ModelError, match="does not exist"):
        MlxBackend(tmp_path / "missing").identity()


@pytest.mark.slow
def test_mlx_model_without_tokenizer_files_is_refused(model_dir: Path, tmp_path: Path) -> None:
    """A model folder whose tokenizer.json was deleted is one ModelError line, before mlx_lm loads it."""
    model = shutil.copytree(model_dir, tmp_path / "model")
    (model / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match=r"must hold tokenizer files \(tokenizer\.json, or vocab\.json and") as caught:
        MlxBackend(model).load()
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_mlx_tokenizer_that_encodes_nothing_is_refused(model_dir: Path, tmp_path: Path) -> None:
    """A tokenizer that encodes the probe prompt to (almost) no tokens is refused: no prompt could reach the model."""
    model = shutil.copytree(model_dir, tmp_path / "model")
    path = model / "tokenizer.json"
    tokenizer = json.loads(path.read_text(encoding="utf-8"))
    tokenizer["model"]["vocab"] = {k: v for k, v in tokenizer["model"]["vocab"].items() if v < 3}
    tokenizer["model"]["merges"] = []
    path.write_text(json.dumps(tokenizer), encoding="utf-8")
    backend = MlxBackend(model)
    with pytest.raises(ModelError, match=r"tokenizer must encode a 14-word probe to at least 4 distinct tokens"):
        backend.load()
    assert backend.model_loads == 0


@pytest.mark.slow
def test_mlx_probe_passes_every_real_tokenizer(backend: MlxBackend) -> None:
    """The working tiny tokenizer encodes the probe to many distinct tokens (the check is not a hair trigger)."""
    _, tokenizer = backend.load()
    assert len(set(tokenizer.encode(PROBE, add_special_tokens=False))) >= 3 * MIN_PROBE_TOKENS


def test_mlx_response_has_no_reconstruction(backend: MlxBackend, suite: QuerySuite) -> None:
    """In-process text is the raw model text, never rebuilt."""
    (response,) = backend.generate(as_requests([turn1_messages(suite, suite.queries[0])]), 4)
    assert isinstance(response, Response)
    assert response.reconstructed is False


@pytest.mark.parametrize(
    "module",
    [
        "punie_eval.generation.engine",
        "punie_eval.generation.backends.mlx_backend",
        "punie_eval.generation.backends.openai_backend",
        "punie_eval.generation.cache",
    ],
)
def test_mlx_not_imported_by_engine_modules(module: str) -> None:
    """Importing the engine and backends does not import mlx (it loads lazily, after the BLAS)."""
    code = f"import sys, {module}; print('mlx' in sys.modules, 'mlx_lm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _short_sequential(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the sequential reference of every MlxBackend really generate 4 tokens fewer than asked."""
    real = MlxBackend.generate_one

    def shorter(self: MlxBackend, prompt: list[int], max_tokens: int, seed: int | None = None) -> Generated:
        return real(self, prompt, max_tokens - 4, seed)

    monkeypatch.setattr(MlxBackend, "generate_one", shorter)


def test_mlx_canary_mismatch_lands_in_the_results_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """evaluate() warns once per mismatch (first differing token) and records each in metadata; scoring goes on."""
    from punie_eval import RunTarget, evaluate
    from punie_eval.evaluation.target import Decoding
    from punie_eval.paths import reference_model_dir

    _short_sequential(monkeypatch)
    lines: list[str] = []
    ids = ["st_git_status", "ct_status_and_diff", "da_protocol_vs_abc"]
    target = RunTarget("mlx", model=reference_model_dir(), canary=1)
    result = evaluate(None, target, Decoding(max_tokens=8), queries=ids, progress=lines.append)
    assert len(result.records) == 3
    mismatches = result.metadata["canary_mismatches"]
    assert [m["token"] for m in mismatches] == [4]
    assert any(line.startswith("punie-eval: WARNING canary: batched generation diverged") for line in lines)
    strict = RunTarget("mlx", model=reference_model_dir(), canary=1, canary_strict=True)
    with pytest.raises(BackendError, match="--canary-strict"):
        evaluate(None, strict, Decoding(max_tokens=8), queries=ids, progress=None)
