"""A misbehaving server on 127.0.0.1 never hangs a run: total deadlines, waiting lines, Ctrl-C, odd replies.

Every test talks to a real HTTP server on a loopback port that misbehaves on purpose (trickles
bytes, hangs, truncates, answers content as parts); the model folder only has to fingerprint
(the server, not this process, would load it).
"""

from __future__ import annotations

import contextlib
import json
import select
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from punie_pytester import MINI_SUITE
from reliability import child_env, default_sigint, evals_command

from punie_eval.errors import BackendError
from punie_eval.evaluation.evaluate import wants_turn2
from punie_eval.evaluation.target import Decoding, RunTarget
from punie_eval.generation.backends.base import as_requests
from punie_eval.generation.backends.openai_backend import OpenAIBackend
from punie_eval.generation.engine import collect_responses
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry

pytestmark = pytest.mark.slow  # every test starts a loopback server
CONVERSATION = [{"role": "user", "content": "Show the current git status"}]
SLACK = 2.0  # a 2-core machine running this whole suite in parallel runs a child at half speed or worse


class _Faulty(BaseHTTPRequestHandler):
    """Lists ``server.served``; answers completions according to ``server.mode``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)
            self.wfile.flush()

    def _trickle(self, data: bytes) -> None:
        for byte in data:
            if self.server.release.wait(0.25):  # type: ignore[attr-defined]
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return  # the client gave up: that is the point

    def do_GET(self) -> None:
        self._send(json.dumps({"data": [{"id": m} for m in self.server.served]}).encode())  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        server.posts += 1
        mode = server.mode
        if mode == "hang":  # never answer; note when the client gives up (its end of the socket closes)
            while not server.release.is_set():
                readable, _, _ = select.select([self.connection], [], [], 0.05)
                if readable and not self.connection.recv(1):
                    server.closed.append(time.monotonic())
                    break
        elif mode == "trickle-body":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.flush()
            self._trickle(b" " * 1000)
        elif mode == "trickle-status":
            self._trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        elif mode == "truncated":
            self._send(b'{"choices": [', length=500)
        elif mode == "bad-status":
            self.wfile.write(b"HELLO there\r\n\r\n")
        else:
            content: Any = {
                "parts": [{"type": "text", "text": "I can "}, {"type": "text", "text": "run tools."}],
                "object": {"answer": 42},
                "slow": "late answer",
            }[mode]
            if mode == "slow":
                time.sleep(0.8)
            message = {"role": "assistant", "content": content}
            self._send(json.dumps({"choices": [{"message": message, "finish_reason": "stop"}]}).encode())
        self.close_connection = True


@pytest.fixture
def model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "qwen3"}', encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"weights the server would load")
    return folder


@pytest.fixture
def server(model: Path) -> Iterator[Any]:
    httpd: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    httpd.served, httpd.posts, httpd.mode, httpd.release = [str(model.resolve())], 0, "parts", threading.Event()
    httpd.closed = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-status"], ids=["body", "status-line"])
def test_server_trickle_times_out_at_the_total_deadline(server: Any, model: Path, mode: str) -> None:
    """A byte every 0.25 s never trips a per-read timeout; the 1 s total deadline ends the request on time."""
    server.mode = mode
    backend = OpenAIBackend(_url(server), model, timeout_s=1.0, retries=0)
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"timed out after 1 s \(1 attempts\)$"):
        backend.generate(as_requests([CONVERSATION]), 8)
    assert 1.0 <= time.monotonic() - started < 1.8


def test_server_waiting_line_after_the_notice_time(server: Any, model: Path) -> None:
    """A request still running after notice_s prints one 'waiting for the server' line, then its answer is used."""
    server.mode = "slow"
    lines: list[str] = []
    backend = OpenAIBackend(_url(server), model, notice_s=0.3, progress=lines.append)
    (response,) = backend.generate(as_requests([CONVERSATION]), 8)
    assert response.text == "late answer"
    assert lines == [f"punie-eval: waiting for the server at {_url(server)}: 1 of 1 requests still running after 0 s"]


def test_server_content_as_text_parts_is_joined(server: Any, model: Path) -> None:
    """content as a list of {"type": "text"} parts (legal in OpenAI's API) is the joined text, not its repr."""
    (response,) = OpenAIBackend(_url(server), model).generate(as_requests([CONVERSATION]), 8)
    assert (response.text, response.reconstructed) == ("I can run tools.", False)


def test_server_non_string_content_is_one_line_and_never_cached(server: Any, model: Path, tmp_path: Path) -> None:
    """content that is neither text nor text parts fails the generation with one line; nothing enters the cache."""
    server.mode = "object"
    suite = load_suite()
    with pytest.raises(
        BackendError, match=r"content must be a string or a list of text parts, got \"\{'answer': 42\}\"$"
    ):
        collect_responses(
            suite=suite,
            queries=suite.queries[:2],
            target=RunTarget.served(_url(server) + "/v1", model),
            decoding=Decoding(max_tokens=8),
            cache_dir=tmp_path / "cache",
            registry=load_registry(),
            follow_up=wants_turn2,
            progress=lambda line: None,
        )
    assert sorted((tmp_path / "cache").rglob("*.json")) == sorted((tmp_path / "cache").glob("fingerprints.json"))


@pytest.mark.parametrize(
    ("mode", "message"),
    [("truncated", r"broken reply \(IncompleteRead: "), ("bad-status", r"broken reply \(BadStatusLine: ")],
    ids=["truncated-body", "bad-status-line"],
)
def test_server_broken_replies_are_retried_then_one_line(server: Any, model: Path, mode: str, message: str) -> None:
    """A truncated body or a garbage status line is retried (bounded), then one BackendError line."""
    server.mode = mode
    backend = OpenAIBackend(_url(server), model, timeout_s=5.0, retries=1)
    with pytest.raises(BackendError, match=message + r".*\(2 attempts\)$") as caught:
        backend.generate(as_requests([CONVERSATION]), 8)
    assert ("\n" not in str(caught.value), server.posts) == (True, 2)


def test_server_ctrl_c_with_hung_requests_drops_them_and_exits(server: Any, model: Path, tmp_path: Path) -> None:
    """pytest evals/ against a server that never answers drops every request at once on a real SIGINT and exits.

    The backend's part (every hung connection closed) takes well under a second; the process exit
    also waits for pytest to format the KeyboardInterrupt traceback (about 1 s of CPU), so the
    exit bound of 2 s (measured 0.8-1.0 s idle) gets headroom for a machine busy running this suite.
    """
    server.mode = "hang"
    (tmp_path / "mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    command = evals_command("--queries", "mini.json", "--backend", "openai", "--base-url", _url(server) + "/v1")
    # hypothesis (a dev dependency, not installed with punie-eval) imports itself in its terminal
    # summary: over a second on a busy machine, and not part of what a user's run does.
    command += ["--model", str(model), "--no-cache", "-q", "-p", "no:hypothesispytest"]
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        while server.posts < len(MINI_SUITE["queries"]) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert server.posts == len(MINI_SUITE["queries"])  # every request is in flight and hung
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = proc.communicate(timeout=30)
        elapsed = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    dropped = [round(t - interrupted, 2) for t in server.closed]
    assert (len(dropped), max(dropped) < 1.0) == (len(MINI_SUITE["queries"]), True), dropped
    assert (proc.returncode, elapsed < 2.0 * SLACK) == (pytest.ExitCode.INTERRUPTED, True), (elapsed, err[-500:])
    assert b"KeyboardInterrupt" in out + err
