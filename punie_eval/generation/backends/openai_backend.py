"""Any OpenAI-compatible ``/v1/chat/completions`` server: mlx_lm.server, vLLM, llama.cpp.

Standard library only (urllib + a thread pool). Before the first request the server must
prove it serves the expected model: ``GET /v1/models`` has to list it (a port collision once
had users scoring the wrong model). Requests send ``model`` exactly as given (mlx_lm.server
treats any other name as a Hub repo id) and never send ``tools`` (the chat template would
add a tools block the model never saw in training).

Servers parse tool calls out of the text: mlx_lm.server answers ``content: null`` plus
``tool_calls``. The wire text the scorer needs is rebuilt from them
(``Response.reconstructed=True``); text the model wrote around a call survives only as far as
the server returns it in ``content`` (mlx_lm.server joins text before and after the calls
there, so it is placed before the calls), and a call the server failed to parse is lost
(mlx_lm.server drops it: the response comes back empty with ``reconstructed=True``). Use
the in-process ``mlx`` backend when near-miss tool calls must be scored exactly.
``Response.tokens`` is the server's ``completion_tokens`` (mlx_lm.server counts the EOS token,
the mlx backend does not).

A server that misbehaves never hangs a run: each request attempt has a TOTAL deadline
(``timeout_s``, enforced by a timer that shuts the socket down, so a server trickling a byte
every few seconds times out on time); after ``notice_s`` a "waiting for the server" line says
what is outstanding; Ctrl-C or the first failed request shuts every other request's socket
down at once; truncated bodies and bad status lines are retried like timeouts, then are one
line. ``content`` may be a list of text parts (legal in OpenAI's API): they are joined; any
other non-string content is a BackendError, so it is never scored or cached.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from punie_eval.errors import BackendError
from punie_eval.generation.backends.base import Done, ModelIdentity, Request
from punie_eval.generation.fingerprint import fingerprint
from punie_eval.types import FinishReason, Response

DEFAULT_TIMEOUT_S = 120.0  # the TOTAL time one request attempt may take, not a per-read timeout
DEFAULT_RETRIES = 2
DEFAULT_CONCURRENCY = 4
HUB_CACHE_HINT = (
    "(mlx_lm.server answers /v1/models with an error until its Hugging Face cache folder exists: "
    "mkdir -p ~/.cache/huggingface/hub, or point HF_HUB_CACHE at an existing folder, then restart it)"
)
DEFAULT_NOTICE_S = 5.0  # say "waiting for the server" when requests take longer than this
NOTICE_EVERY_S = 30.0
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class _Reply:
    status: int
    reason: str
    body: bytes


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _shut(conn: http.client.HTTPConnection) -> None:
    """Wake a thread blocked on this connection: its next (or current) read returns end of file."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _failure(err: BaseException, timeout_s: float, attempts: int, root: str) -> str:
    """What went wrong with the last attempt, in one line."""
    if isinstance(err, TimeoutError):
        return f"timed out after {timeout_s:g} s ({attempts} attempts)"
    if isinstance(err, http.client.HTTPException):  # bad status line, truncated body, closed without a reply
        return f"broken reply ({type(err).__name__}: {str(err)[:80]!r}) ({attempts} attempts)"
    return f"cannot connect ({err}); is the server running at {root}?"


def message_text(content: object, where: str) -> str | None:
    """A message's ``content``: a string, null, or a list of text parts (legal in OpenAI's API), joined."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str) for p in content
    ):
        return "".join(p["text"] for p in content)
    raise BackendError(
        f"{where}: choices[0].message.content must be a string or a list of text parts, got {str(content)[:80]!r}"
    )


def api_root(base_url: str) -> str:
    """``http://host:port`` from ``http://host:port``, ``…/``, or ``…/v1``."""
    root = base_url.strip().rstrip("/")
    return root.removesuffix("/v1")


def _value_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def wire_text(content: str | None, tool_calls: Sequence[Mapping[str, Any]] | None) -> tuple[str, bool]:
    """The raw text the model emitted, rebuilt from a server's ``content`` and parsed ``tool_calls``.

    Returns (text, reconstructed). Each call becomes
    ``<tool_call>\\n<function=NAME>\\n<parameter=K>\\nV\\n</parameter>\\n</function>\\n</tool_call>``.
    """
    text = content or ""
    if not tool_calls:
        return text, False
    blocks = []
    for call in tool_calls:
        nested = call.get("function")
        function: Mapping[str, Any] = nested if isinstance(nested, dict) else call
        name = str(function.get("name", ""))
        arguments = function.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                arguments = {"arguments": arguments}
        params = arguments.items() if isinstance(arguments, dict) else []
        body = "".join(f"<parameter={k}>\n{_value_text(v)}\n</parameter>\n" for k, v in params)
        blocks.append(f"<tool_call>\n<function={name}>\n{body}</function>\n</tool_call>")
    separator = "\n" if text and not text.endswith("\n") else ""
    return text + separator + "\n".join(blocks), True


class OpenAIBackend:
    """Chat completions over HTTP; the server must be serving ``model``."""

    def __init__(
        self,
        base_url: str,
        model: Path | str,
        *,
        cache_dir: Path | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        notice_s: float = DEFAULT_NOTICE_S,
        progress: Callable[[str], None] | None = None,
        template_args: Mapping[str, Any] | None = None,
        temperature: float = 0.0,
        top_p: float = 1.0,
    ) -> None:
        self.template_args = dict(template_args or {})  # sent as chat_template_kwargs (vLLM, mlx_lm.server)
        self.temperature, self.top_p = temperature, top_p
        self.root = api_root(base_url)
        self.model = str(model)
        local = Path(model)
        self.local_dir = local.resolve() if local.is_dir() else None
        self.cache_dir = cache_dir
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.notice_s = notice_s
        self.progress = progress or _stderr
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[http.client.HTTPConnection] = set()
        self._verified = False
        self._identity: ModelIdentity | None = None

    @property
    def model_loads(self) -> int:
        return 0  # the server loaded it, not us

    def identity(self) -> ModelIdentity:
        if self._identity is None:
            digest = fingerprint(self.local_dir, self.cache_dir, self.progress) if self.local_dir else None
            self._identity = ModelIdentity(
                backend="openai",
                model_path=str(self.local_dir) if self.local_dir else self.model,
                name=self.local_dir.name if self.local_dir else self.model,
                content_hash=digest,
                blas="server (not reported)",
                extra={"base_url": self.root},
            )
        return self._identity

    def _exchange(self, method: str, path: str, data: bytes | None, headers: Mapping[str, str]) -> _Reply:
        """One HTTP exchange under a TOTAL deadline: a timer shuts the socket down when ``timeout_s`` passes.

        A per-read socket timeout alone never fires for a server that trickles a byte every few
        seconds; the timer does, wherever the exchange is (connect, status line, headers, body).
        """
        parts = urllib.parse.urlsplit(self.root)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = kind(parts.hostname or "", parts.port, timeout=self.timeout_s)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            _shut(conn)

        timer = threading.Timer(self.timeout_s, expire)
        timer.daemon = True
        with self._lock:
            self._open.add(conn)
        timer.start()
        try:
            conn.request(method, parts.path + path, body=data, headers=dict(headers))
            reply = conn.getresponse()
            return _Reply(reply.status, reply.reason, reply.read())
        except (OSError, http.client.HTTPException) as err:
            if expired.is_set():
                raise TimeoutError(f"timed out after {self.timeout_s:g} s") from err
            raise
        finally:
            timer.cancel()
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """JSON in, JSON out, with bounded retries; every failure becomes one BackendError line."""
        url = f"{self.root}{path}"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        attempts = self.retries + 1
        for attempt in range(attempts):
            if self._stopping.is_set():
                raise BackendError(f"{method} {url}: interrupted")
            last = attempt == self.retries
            try:
                reply = self._exchange(method, path, data, headers)
            except (TimeoutError, http.client.HTTPException, OSError) as err:
                if self._stopping.is_set():
                    raise BackendError(f"{method} {url}: interrupted") from None
                if not last:
                    self._stopping.wait(0.5 * 2**attempt)
                    continue
                raise BackendError(f"{method} {url}: {_failure(err, self.timeout_s, attempts, self.root)}") from None
            if reply.status >= 400:
                if reply.status in _RETRY_STATUS and not last:
                    self._stopping.wait(0.5 * 2**attempt)
                    continue
                detail = reply.body[:200].decode("utf-8", "replace").strip()
                raise BackendError(f"{method} {url}: HTTP {reply.status} {reply.reason}: {detail}")
            try:
                return json.loads(reply.body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                snippet = reply.body[:80].decode("utf-8", "replace")
                raise BackendError(f"{method} {url}: response is not JSON: {snippet!r}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def interrupt(self) -> None:
        """Stop every request in flight now (their sockets are shut down) and start no retry."""
        self._stopping.set()
        with self._lock:
            for conn in list(self._open):
                _shut(conn)

    def served_models(self) -> list[str]:
        try:
            reply = self._request("GET", "/v1/models")
        except BackendError as err:
            if "HTTP 500" in str(err) or "not JSON" in str(err):  # mlx_lm.server with no hub cache folder
                raise BackendError(f"{err} {HUB_CACHE_HINT}") from None
            raise
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, list):
            raise BackendError(f"GET {self.root}/v1/models: must hold a data list, got {str(reply)[:80]!r}")
        return [str(m.get("id")) for m in data if isinstance(m, dict)]

    def _expected(self) -> set[str]:
        names = {self.model}
        if self.local_dir is not None:
            names.add(str(self.local_dir))
        return names

    def verify(self) -> None:
        """Refuse to score unless the server lists the expected model."""
        if self._verified:
            return
        served = self.served_models()
        if not self._expected() & set(served):
            raise BackendError(
                f"{self.root} serves {served!r}, not the expected model {self.model!r}; refusing to score "
                "(another server on this port? start it with --model set to the same path)"
            )
        self._verified = True

    def complete(self, request: Request, max_tokens: int) -> Response:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            "stream": False,
        }
        if self.temperature > 0:  # each request's own seed: the sample does not depend on what runs beside it
            body |= {"top_p": self.top_p, "seed": request.seed}
        if self.template_args:
            body["chat_template_kwargs"] = self.template_args
        reply = self._request("POST", "/v1/chat/completions", body)
        try:
            choice = reply["choices"][0]
            message = choice["message"]
            reported = reply.get("model")
        except (KeyError, IndexError, TypeError):
            raise BackendError(
                f"POST {self.root}/v1/chat/completions: reply must hold choices[0].message, got {str(reply)[:80]!r}"
            ) from None
        if reported is not None and reported not in self._expected():
            raise BackendError(f"{self.root} answered as model {reported!r}, not {self.model!r}; refusing to score")
        content = message_text(message.get("content"), f"POST {self.root}/v1/chat/completions")
        text, rebuilt = wire_text(content, message.get("tool_calls"))
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        tokens = usage.get("completion_tokens") if isinstance(usage.get("completion_tokens"), int) else None
        # Tokens were generated but no text came back: the server swallowed a tool call it could
        # not parse (mlx_lm.server drops it with a warning). The raw text is lost; say so.
        swallowed = not text and bool(tokens)
        return Response(
            text=text,
            finish_reason=_finish_reason(choice.get("finish_reason")),
            tokens=tokens,
            reconstructed=rebuilt or swallowed,
        )

    def generate(self, requests: Sequence[Request], max_tokens: int, *, done: Done | None = None) -> list[Response]:
        """Requests in parallel; Ctrl-C or the first failure stops the others at once (no waiting for a hung server)."""
        if not requests:
            return []
        self.verify()
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = [pool.submit(self._timed, r, max_tokens) for r in requests]
            self._wait(futures, done)
            return [f.result() for f in futures]
        except BaseException:
            self.interrupt()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _timed(self, request: Request, max_tokens: int) -> Response:
        started = time.monotonic()
        response = self.complete(request, max_tokens)
        return replace(response, seconds=round(time.monotonic() - started, 3))

    def _wait(self, futures: Sequence[Future[Response]], done: Done | None) -> None:
        """Until every request is done or one failed; says it is waiting after ``notice_s``, then every 30 s.

        ``done`` hears of each finished request here, on the calling thread.
        """
        started = time.monotonic()
        notice = self.notice_s
        index = {f: i for i, f in enumerate(futures)}
        pending = set(futures)
        while pending:
            left = max(0.0, started + notice - time.monotonic())
            finished, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            if any(f.exception() is not None for f in finished):
                return
            for future in sorted(finished, key=index.__getitem__):
                if done is not None:
                    done(index[future], future.result())
            if pending and time.monotonic() - started >= notice:
                self.progress(
                    f"punie-eval: waiting for the server at {self.root}: {len(pending)} of {len(futures)} "
                    f"requests still running after {time.monotonic() - started:.0f} s"
                )
                notice += NOTICE_EVERY_S


def _finish_reason(value: object) -> FinishReason | None:
    if value == "length":
        return "length"
    if value in ("stop", "tool_calls", "eos"):
        return "stop"  # mlx_lm.server says tool_calls for an EOS after a parsed call
    return None


__all__ = ["OpenAIBackend", "api_root", "message_text", "wire_text"]
