"""Replay backend: recorded responses from JSONL or a results file, errors naming file:line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from punie_eval.errors import DataError
from punie_eval.evaluation.evaluate import wants_turn2
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.backends.replay import ReplayBackend
from punie_eval.generation.engine import collect_responses
from punie_eval.queries import QuerySuite, load_suite
from punie_eval.registry import load_registry
from punie_eval.types import Response

CALL = (
    "<tool_call>\n<function=execute_code>\n<parameter=code>\n"
    "result = git_status('.')\n</parameter>\n</function>\n</tool_call>"
)


@pytest.fixture(scope="module")
def suite() -> QuerySuite:
    return load_suite()


def _write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def _replay(suite: QuerySuite, path: Path, ids: list[str] | None = None) -> dict[str, tuple[Response, ...]]:
    queries = [q for q in suite.queries if ids is None or q.id in ids]
    session = collect_responses(
        suite=suite,
        queries=queries,
        target=RunTarget.replayed(path),
        decoding=Decoding(max_tokens=64),
        cache_dir=None,
        registry=load_registry(),
        follow_up=wants_turn2,
        progress=lambda line: None,
    )
    assert session.model_loads == 0
    return session.responses


def test_replay_jsonl_round_trip(suite: QuerySuite, tmp_path: Path) -> None:
    """Every query's recorded turn-1 text and finish reason come back unchanged."""
    records = [{"id": q.id, "responses": [f"answer {q.id}"], "finish_reasons": ["stop"]} for q in suite.queries]
    responses = _replay(suite, _write_jsonl(tmp_path / "r.jsonl", records))
    assert {k: v[0] for k, v in responses.items()} == {q.id: Response(f"answer {q.id}", "stop") for q in suite.queries}


def test_replay_second_turn_only_after_a_tool_call(suite: QuerySuite, tmp_path: Path) -> None:
    """A multi-turn query gets its recorded turn 2 when turn 1 called a tool, and only then."""
    multi = [q for q in suite.queries if q.turn2 is not None][:2]
    records = [
        {"id": multi[0].id, "responses": [CALL, "Two errors in config.py"]},
        {"id": multi[1].id, "responses": ["I would run the tests.", "unused"]},
    ]
    responses = _replay(suite, _write_jsonl(tmp_path / "r.jsonl", records), [q.id for q in multi])
    assert responses[multi[0].id] == (Response(CALL), Response("Two errors in config.py"))
    assert responses[multi[1].id] == (Response("I would run the tests."),)


def test_replay_results_file_round_trip(suite: QuerySuite, tmp_path: Path) -> None:
    """A punie-eval results file replays its turns' responses, finish reasons and model identity."""
    multi = next(q for q in suite.queries if q.turn2 is not None)
    document = {
        "format": "punie-eval-results/1",
        "metadata": {"model": {"path": "/m/tiny", "name": "tiny", "hash": "f" * 64}, "blas": "openblas (x)"},
        "queries": [
            {
                "id": multi.id,
                "turns": [
                    {"turn": 1, "response": CALL, "finish_reason": "stop"},
                    {"turn": 2, "response": "summary", "finish_reason": "length"},
                ],
            }
        ],
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document, indent=2))
    assert _replay(suite, path, [multi.id])[multi.id] == (Response(CALL, "stop"), Response("summary", "length"))
    identity = ReplayBackend(path).identity()
    assert (identity.backend, identity.name, identity.content_hash, identity.blas) == (
        "replay",
        "tiny",
        "f" * 64,
        "openblas (x)",
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "responses": ["x"]}', "{not json"], r"r\.jsonl:2: invalid JSON"),
        (['{"id": "a", "responses": []}'], r"r\.jsonl:1: responses must be a non-empty list"),
        (['{"responses": ["x"]}'], r"r\.jsonl:1: id must be a non-empty string"),
        (['{"id": "a", "responses": ["x"], "finish_reasons": ["eos"]}'], r"r\.jsonl:1: finish_reasons must be one of"),
        (['{"id": "a", "responses": ["x", "y"], "finish_reasons": ["stop"]}'], r"r\.jsonl:1: finish_reasons must be"),
        (['{"id": "a", "responses": ["x"]}', "", '{"id": "a", "responses": ["y"]}'], r"r\.jsonl:3: id must be unique"),
        (["[1, 2]"], r"r\.jsonl:1: each line must be a JSON object"),
        ([""], r"r\.jsonl: replay file must hold at least one response"),
    ],
    ids=["bad-json", "no-responses", "no-id", "bad-finish", "finish-length", "duplicate", "not-object", "empty"],
)
def test_replay_bad_jsonl_names_file_and_line(tmp_path: Path, lines: list[str], message: str) -> None:
    """A malformed replay file is a DataError naming file:line and the field."""
    with pytest.raises(DataError, match=message):
        ReplayBackend(_write_jsonl(tmp_path / "r.jsonl", lines))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a", "responses": ' + "[" * 300 + "]" * 300 + "}", r"r\.jsonl:2: invalid JSON: arrays and objects"),
        ('{"id": "a", "responses": [' + "7" * 5000 + "]}", r"r\.jsonl:2: invalid JSON: integers must have at most"),
    ],
    ids=["nested-too-deep", "huge-integer"],
)
def test_replay_limits_are_one_line_data_errors(tmp_path: Path, line: str, message: str) -> None:
    """A replay line nested too deep or holding a 5000-digit integer is a DataError, not a traceback."""
    with pytest.raises(DataError, match=message) as caught:
        ReplayBackend(_write_jsonl(tmp_path / "r.jsonl", ['{"id": "b", "responses": ["y"]}', line]))
    assert "\n" not in str(caught.value)


def test_replay_u2028_inside_a_response_stays_one_line(tmp_path: Path) -> None:
    """A raw U+2028 (and U+0085, form feed) inside a JSON string does not split the JSONL line."""
    text = "before\u2028middle\x85\x0cafter"
    raw = json.dumps({"id": "a", "responses": [text]}, ensure_ascii=False)
    backend = ReplayBackend(_write_jsonl(tmp_path / "r.jsonl", [raw, '{"id": "b", "responses": ["y"]}']))
    assert {k: (v.responses[0].text, v.line) for k, v in backend.records.items()} == {"a": (text, 1), "b": ("y", 2)}


def test_replay_missing_query_is_an_error(suite: QuerySuite, tmp_path: Path) -> None:
    """A selected query without a recorded response is named."""
    path = _write_jsonl(tmp_path / "r.jsonl", [{"id": suite.queries[0].id, "responses": ["x"]}])
    with pytest.raises(DataError, match=rf"r\.jsonl: has no responses for query {suite.queries[1].id!r}"):
        _replay(suite, path, [suite.queries[0].id, suite.queries[1].id])


def test_replay_missing_second_turn_names_line(suite: QuerySuite, tmp_path: Path) -> None:
    """A tool call in turn 1 of a multi-turn query with no recorded turn 2 names the record's line."""
    multi = next(q for q in suite.queries if q.turn2 is not None)
    path = _write_jsonl(
        tmp_path / "r.jsonl", [{"id": "other", "responses": ["x"]}, {"id": multi.id, "responses": [CALL]}]
    )
    with pytest.raises(DataError, match=rf"r\.jsonl:2: responses of {multi.id!r} must include turn 2"):
        _replay(suite, path, [multi.id])


def test_replay_results_file_wrong_format(tmp_path: Path) -> None:
    """A results file of another format version is refused."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"format": "punie-eval-results/9", "queries": []}))
    with pytest.raises(DataError, match=r"results\.json:1: format must be 'punie-eval-results/1'"):
        ReplayBackend(path)
