"""A real ``mlx_lm server`` on a free loopback port, and a counting proxy in front of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from punie_eval.generation.blas import blas_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_mlx(model_dir: Path, work: Path, *, hub_cache: bool = True) -> Iterator[str]:
    """``python -m mlx_lm server`` for ``model_dir``; yields its URL; stopped by its PID afterwards.

    ``hub_cache=False`` points the server at a Hugging Face cache folder that does not exist and
    cannot be created (its parent is a file), as on a fresh machine: its /v1/models then fails.
    """
    hub = work / "hf-hub"  # /v1/models needs an existing (empty) hub cache
    if hub_cache:
        hub.mkdir(parents=True, exist_ok=True)
    else:
        (work / "not-a-folder").write_text("")
        hub = work / "not-a-folder" / "hub"
    port = free_port()
    env = {**os.environ, **blas_env(), "HF_HUB_CACHE": str(hub), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "mlx_lm", "server", "--model", str(model_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
    log_path = work / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"mlx_lm server exited with {proc.returncode}: {log_path.read_text()[-500:]}")
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=1) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("mlx_lm server did not become healthy within 60 s") from None
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()  # SIGTERM to our own PID only
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class CountingProxy:
    """Forwards every request to ``upstream`` and counts them by (method, path)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.counts: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                with proxy.lock:
                    key = (self.command, self.path)
                    proxy.counts[key] = proxy.counts.get(key, 0) + 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                request.add_header("Content-Type", self.headers.get("Content-Type") or "application/json")
                with urllib.request.urlopen(request, timeout=120) as reply:
                    data = reply.read()
                    status = reply.status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str, path: str) -> int:
        with self.lock:
            return self.counts.get((method, path), 0)
