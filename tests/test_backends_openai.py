"""openai backend against a real `mlx_lm server`: same text as in-process, tool calls rebuilt, wrong model refused."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mlx_server import free_port, serve_mlx
from tinymodel import CALL, PREAMBLE, PROSE, build_taught_model, build_tiny_model, taught_answers

from punie_eval.errors import BackendError
from punie_eval.evaluation.evaluate import wants_turn2
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.backends.base import as_requests
from punie_eval.generation.backends.mlx_backend import MlxBackend
from punie_eval.generation.backends.openai_backend import OpenAIBackend, api_root, wire_text
from punie_eval.generation.engine import collect_responses
from punie_eval.generation.prompts import turn1_messages
from punie_eval.queries import QuerySuite, load_suite
from punie_eval.registry import load_registry
from punie_eval.scoring.parsing import parse_response

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server


@pytest.fixture(scope="module")
def suite() -> QuerySuite:
    return load_suite()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, suite: QuerySuite) -> Path:
    return build_taught_model(tmp_path_factory.mktemp("tiny") / "model", suite)


@pytest.fixture(scope="module")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `python -m mlx_lm server` on a free port, stopped by its PID afterwards."""
    with serve_mlx(model_dir, tmp_path_factory.mktemp("server")) as url:
        yield url


def test_openai_same_text_as_in_process(server: str, model_dir: Path, suite: QuerySuite) -> None:
    """Greedy text over HTTP equals the in-process batched text for prose and random answers."""
    taught = taught_answers(suite)
    prose = next(qid for qid, text in taught.items() if text == PROSE)
    everything = MlxBackend(model_dir, canary=0).generate(
        as_requests([turn1_messages(suite, q) for q in suite.queries]), 16
    )
    plain = [q for q, r in zip(suite.queries, everything, strict=True) if "<tool_call>" not in r.text]
    chosen = [suite.by_id()[prose], *[q for q in plain if q.id not in taught][:4]]
    conversations = [turn1_messages(suite, q) for q in chosen]
    remote = OpenAIBackend(server, model_dir).generate(as_requests(conversations), 16)
    local = MlxBackend(model_dir).generate(as_requests(conversations), 16)
    assert [(r.text, r.finish_reason) for r in remote] == [(r.text, r.finish_reason) for r in local]
    assert (remote[0].text, remote[0].finish_reason, remote[0].reconstructed) == (PROSE, "stop", False)


def test_openai_unparseable_call_is_flagged_lost(server: str, model_dir: Path, suite: QuerySuite) -> None:
    """A malformed call the server cannot parse comes back empty and is flagged as not the raw text."""
    local = MlxBackend(model_dir, canary=0).generate(as_requests([turn1_messages(suite, q) for q in suite.queries]), 16)
    broken = [
        q
        for q, r in zip(suite.queries, local, strict=True)
        if "<tool_call>" in r.text and not parse_response(r.text).calls[0].closed
    ]
    assert broken, "the taught model no longer emits a malformed call; pick another probe"
    (response,) = OpenAIBackend(server, model_dir).generate(as_requests([turn1_messages(suite, broken[0])]), 16)
    assert (response.text, response.reconstructed) == ("", True)
    assert response.tokens


@pytest.mark.parametrize("answer", [CALL, PREAMBLE + CALL], ids=["bare-call", "preamble-then-call"])
def test_openai_rebuilds_parsed_tool_calls(server: str, model_dir: Path, suite: QuerySuite, answer: str) -> None:
    """The server's content-null + tool_calls reply is rebuilt into the exact wire text the model wrote."""
    qid = next(q for q, text in taught_answers(suite).items() if text == answer)
    (response,) = OpenAIBackend(server, model_dir).generate(
        as_requests([turn1_messages(suite, suite.by_id()[qid])]), 128
    )
    assert (response.text, response.finish_reason, response.reconstructed) == (answer, "stop", True)


def test_openai_refuses_a_server_serving_another_model(server: str, tmp_path: Path, suite: QuerySuite) -> None:
    """A server on the port that serves a different model is refused before any prompt is sent."""
    other = build_tiny_model(tmp_path / "other", seed=3)
    backend = OpenAIBackend(server, other)
    with pytest.raises(BackendError, match=r"not the expected model .*refusing to score"):
        backend.generate(as_requests([turn1_messages(suite, suite.queries[0])]), 8)


def test_openai_engine_caches_server_responses(server: str, model_dir: Path, suite: QuerySuite, tmp_path: Path) -> None:
    """Through collect_responses: no local model load, and a re-run is served from the cache."""

    def run() -> tuple[int, int, int]:
        session = collect_responses(
            suite=suite,
            queries=suite.queries[:4],
            target=RunTarget.served(server + "/v1", model_dir),
            decoding=Decoding(max_tokens=8),
            cache_dir=tmp_path,
            registry=load_registry(),
            follow_up=wants_turn2,
            progress=lambda line: None,
        )
        return session.model_loads, session.cache_hits, session.generated

    assert [run(), run()] == [(0, 0, 4), (0, 4, 0)]


def test_openai_server_not_running(suite: QuerySuite, model_dir: Path) -> None:
    """Nothing listening on the port is one clear BackendError line."""
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}", model_dir, retries=1)
    with pytest.raises(BackendError, match=r"cannot connect .*is the server running at http://127\.0\.0\.1:\d+\?"):
        backend.generate(as_requests([turn1_messages(suite, suite.queries[0])]), 8)


class _Misbehaving(BaseHTTPRequestHandler):
    """Lists the expected model, then answers completions with ``server.mode``."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up waiting (timeout case)
            self.wfile.write(body)

    def do_GET(self) -> None:
        models = [{"id": m} for m in self.server.served]  # type: ignore[attr-defined]
        self._send(200, json.dumps({"object": "list", "data": models}).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        mode = self.server.mode  # type: ignore[attr-defined]
        self.server.posts += 1  # type: ignore[attr-defined]
        if mode == "500":
            self._send(500, b'{"error": "boom"}')
        elif mode == "garbage":
            self._send(200, b"<html>not json</html>")
        elif mode == "no-choices":
            self._send(200, b'{"object": "chat.completion"}')
        elif mode == "slow":
            time.sleep(1.0)
            self._send(200, b"{}")


@pytest.fixture
def fake(model_dir: Path) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    httpd.served = [str(model_dir.resolve())]  # type: ignore[attr-defined]
    httpd.posts = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("mode", "message", "posts"),
    [
        ("500", r"HTTP 500 .*boom", 2),
        ("garbage", r"response is not JSON: '<html>not json</html>'", 1),
        ("no-choices", r"reply must hold choices\[0\]\.message", 1),
        ("slow", r"timed out after 0\.2 s \(2 attempts\)", 2),
    ],
    ids=["http-500-retried", "malformed-json", "no-choices", "timeout-retried"],
)
def test_openai_server_failures_are_one_line_errors(
    fake: ThreadingHTTPServer, model_dir: Path, suite: QuerySuite, mode: str, message: str, posts: int
) -> None:
    """HTTP 500, timeouts (retried, bounded), non-JSON and malformed replies become one-line BackendErrors."""
    fake.mode = mode  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{fake.server_address[1]}"
    backend = OpenAIBackend(url, model_dir, timeout_s=0.2, retries=1)
    with pytest.raises(BackendError, match=message) as caught:
        backend.generate(as_requests([turn1_messages(suite, suite.queries[0])]), 8)
    assert "\n" not in str(caught.value)
    assert fake.posts == posts  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "calls", "expected"),
    [
        ("Just prose.", None, ("Just prose.", False)),
        (None, None, ("", False)),
        (
            None,
            [{"type": "function", "function": {"name": "execute_code", "arguments": '{"code": "x = 1"}'}}],
            (
                "<tool_call>\n<function=execute_code>\n<parameter=code>\nx = 1\n"
                "</parameter>\n</function>\n</tool_call>",
                True,
            ),
        ),
        (
            "Let me check.",
            [{"function": {"name": "f", "arguments": {"a": 1, "b": "two"}}}],
            (
                "Let me check.\n<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n"
                "<parameter=b>\ntwo\n</parameter>\n</function>\n</tool_call>",
                True,
            ),
        ),
    ],
    ids=["prose", "empty", "call-only", "content-then-call"],
)
def test_openai_wire_text(content: str | None, calls: list[dict[str, Any]] | None, expected: tuple[str, bool]) -> None:
    """content + tool_calls are rebuilt into the XML wire format (text before the call kept)."""
    assert wire_text(content, calls) == expected


def test_openai_wire_text_parses_back_to_the_same_code() -> None:
    """A rebuilt call parses to the same function and code the server reported."""
    code = 'result = git_status(".")\nprint(result.clean)'
    text, _ = wire_text(None, [{"function": {"name": "execute_code", "arguments": json.dumps({"code": code})}}])
    (call,) = parse_response(text).calls
    assert (call.function, call.code, call.wrapped, call.closed) == ("execute_code", code, True, True)


@pytest.mark.parametrize(
    ("url", "root"),
    [("http://h:1", "http://h:1"), ("http://h:1/", "http://h:1"), ("http://h:1/v1", "http://h:1")],
    ids=["bare", "slash", "v1"],
)
def test_openai_api_root(url: str, root: str) -> None:
    """--base-url may be given with or without /v1."""
    assert api_root(url) == root
