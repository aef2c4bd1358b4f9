"""Served models: a model id that is not a local folder, --concurrency and --timeout, and the one-line
hint for mlx_lm.server's missing Hugging Face cache folder."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from mlx_server import serve_mlx
from reliability import child_env

from punie_eval import RunTarget, evaluate
from punie_eval.errors import BackendError, UsageError
from punie_eval.evaluation.target import Decoding
from punie_eval.options import Setting, build_options
from punie_eval.paths import reference_model_dir

REPO = Path(__file__).resolve().parents[1]
SERVED_ID = "Qwen/Qwen3-Coder-30B-A3B-Instruct-GGUF:Q5_K_M"
CODE = 'r = git_status(".")\nprint(r.clean)'
ANSWER = f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{CODE}\n</parameter>\n</function>\n</tool_call>"


class _Served(BaseHTTPRequestHandler):
    """An OpenAI-compatible server of another engine: its own model id, one fixed answer."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": SERVED_ID, "object": "model"}]})

    bodies: ClassVar[list[dict[str, Any]]] = []  # every chat request received

    def do_POST(self) -> None:
        self.bodies.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
        message = {"role": "assistant", "content": ANSWER}
        self._send({"choices": [{"message": message, "finish_reason": "stop"}], "usage": {"completion_tokens": 30}})


@pytest.fixture
def served() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Served)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_served_model_id_is_evaluated_by_its_id(served: str) -> None:
    """A served id (a GGUF on another engine) is verified against /v1/models and names the run; nothing is hashed."""
    target = RunTarget.served(served, SERVED_ID, concurrency=2, timeout_s=5)
    result = evaluate(None, target, Decoding(max_tokens=64), queries=["st_git_status"], progress=None)
    model = result.metadata["model"]
    assert (model["name"], model["hash"], result.records[0].strict) == (SERVED_ID, None, True)
    assert target.name == "Qwen-Qwen3-Coder-30B-A3B-Instruct-GGUF-Q5_K_M"


@pytest.mark.slow  # runs pytest in a subprocess
def test_served_model_id_through_pytest_evals(served: str, tmp_path: Path) -> None:
    """`pytest evals/ --backend openai --model ID` runs with the id in the header and the results."""
    command = [sys.executable, "-m", "pytest", "evals/test_queries.py", "-p", "no:cacheprovider", "--no-cache"]
    command += ["--backend", "openai", "--base-url", served, "--model", SERVED_ID, "--concurrency", "2"]
    command += ["--timeout", "10", "-k", "st_git_status", "--results", str(tmp_path / "r.json"), "--no-history"]
    done = subprocess.run(
        command,
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"model {SERVED_ID!r} (served id, not hashed) at {served}" in done.stdout
    assert json.loads((tmp_path / "r.json").read_text())["metadata"]["model"]["name"] == SERVED_ID


def test_served_chat_template_args_are_sent_as_chat_template_kwargs(served: str) -> None:
    """--chat-template-args reaches the server as chat_template_kwargs (vLLM's and mlx_lm.server's name)."""
    _Served.bodies.clear()
    decoding = Decoding(max_tokens=16, chat_template_args={"enable_thinking": False})
    evaluate(None, RunTarget.served(served, SERVED_ID), decoding, queries=["st_git_status"], progress=None)
    assert [b.get("chat_template_kwargs") for b in _Served.bodies] == [{"enable_thinking": False}]


def _options(**kwargs: Any) -> None:
    base: dict[str, Any] = {
        "model": Setting(None, ""), "queries": Setting(None, ""), "max_tokens": 512, "results": None,
        "backend": "openai", "base_url": "http://127.0.0.1:9/v1", "replay": None, "cache_dir": ".punie-cache",
        "no_cache": True, "gate": False, "min_strict": 0.8, "floors": [], "baseline": None,
    }  # fmt: skip
    build_options(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": Setting("m", ""), "concurrency": "0"}, "--concurrency must be a positive integer, got 0"),
        ({"model": Setting("m", ""), "timeout": "-1"}, "--timeout must be a positive number of seconds, got -1"),
        ({"model": Setting("m", ""), "timeout": "nan"}, "--timeout must be a positive number of seconds, got nan"),
        ({"backend": "mlx", "base_url": None, "concurrency": "2"}, "--concurrency and --timeout are for the openai"),
        ({}, "--model must name the model the server serves"),
        ({"model": Setting("m", ""), "chat_template_args": "[1]"}, "--chat-template-args must be a JSON object"),
        ({"model": Setting("m", ""), "chat_template_args": "{bad"}, "--chat-template-args must be a JSON object"),
        ({"model": Setting("m", ""), "think": "keep"}, "--think must be one of fail, strip; got 'keep'"),
    ],
    ids=[
        "zero-concurrency",
        "negative-timeout",
        "nan-timeout",
        "concurrency-with-mlx",
        "no-model",
        "template-args-list",
        "template-args-not-json",
        "think-unknown",
    ],
)
def test_served_bad_transport_options_are_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    """Each bad --concurrency / --timeout value or combination is one usage error."""
    with pytest.raises(UsageError, match=message):
        _options(**kwargs)


@pytest.mark.slow  # starts a real mlx_lm server
def test_served_missing_hub_cache_gives_the_hint(tmp_path: Path) -> None:
    """mlx_lm.server without a Hugging Face cache folder fails /v1/models: one error line with the fix."""
    with serve_mlx(reference_model_dir(), tmp_path, hub_cache=False) as url:
        target = RunTarget.served(url + "/v1", reference_model_dir())
        with pytest.raises(BackendError, match=r"Hugging Face cache folder exists: mkdir -p") as info:
            evaluate(None, target, queries=["st_git_status"], cache=tmp_path / "cache", progress=None)  # nothing cached
    assert "\n" not in str(info.value)
