"""A failing OpenAI-compatible server is a one-line failure of every query, never a silent score.

The backend's own errors are covered in test_backends_openai.py (a real mlx_lm server and a
misbehaving one); here a real ``pytest evals/`` process meets a real HTTP server on a real port.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from punie_pytester import MINI_SUITE
from reliability import read_json, run_evals
from tinymodel import build_tiny_model

pytestmark = pytest.mark.slow


class _Server(BaseHTTPRequestHandler):
    """Lists ``server.served``; answers completions according to ``server.mode``."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(200, json.dumps({"data": [{"id": m} for m in self.server.served]}).encode())  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "500":
            self._send(500, b'{"error": "boom"}')
        elif mode == "malformed":
            self._send(200, b"<html>not json</html>")
        else:  # answers as another model
            message = {"role": "assistant", "content": "hello"}
            reply = {"model": "other-model", "choices": [{"message": message, "finish_reason": "stop"}]}
            self._send(200, json.dumps(reply).encode())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("server")
    (folder / "mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    return folder, build_tiny_model(folder / "model")


@pytest.fixture
def server(project: tuple[Path, Path]) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    httpd.served = [str(project[1].resolve())]  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


CASES = [
    ("down", "cannot connect"),
    ("500", "HTTP 500 Internal Server Error"),
    ("malformed", "response is not JSON: '<html>not json</html>'"),
    ("wrong-model-listed", "not the expected model"),
    ("answers-as-other-model", "answered as model 'other-model'"),
]


@pytest.mark.parametrize(("mode", "message"), CASES, ids=[c[0] for c in CASES])
def test_reliability_server_failure_fails_every_query(
    project: tuple[Path, Path], server: ThreadingHTTPServer, tmp_path: Path, mode: str, message: str
) -> None:
    """Each query errors with one 'generation failed: ...' line and is recorded as not scored."""
    folder, model = project
    server.mode = mode  # type: ignore[attr-defined]
    if mode == "wrong-model-listed":
        server.served = ["some/other-model"]  # type: ignore[attr-defined]
    port = _free_port() if mode == "down" else server.server_address[1]
    out = run_evals(
        folder,
        *("--queries", "mini.json", "--backend", "openai", "--base-url", f"http://127.0.0.1:{port}/v1"),
        *("--model", model, "--no-cache", "--results", tmp_path / "r.json"),
    )
    assert out.returncode == pytest.ExitCode.TESTS_FAILED
    lines = out.stdout.splitlines()
    errors = [lines[i + 1] for i, line in enumerate(lines) if "ERROR at setup of test_query" in line]
    assert len(errors) == len(MINI_SUITE["queries"])
    assert all(line.startswith("generation failed: ") and message in line for line in errors)
    assert "Traceback" not in out.stdout + out.stderr
    queries = read_json(tmp_path / "r.json")["queries"]
    assert [(q["soft"], q["strict"], q["turns"]) for q in queries] == [(False, False, [])] * len(queries)
    assert all(q["failure"].startswith("not scored: generation failed: ") for q in queries)
