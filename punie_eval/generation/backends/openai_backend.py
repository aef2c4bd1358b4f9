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
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from punie_eval.errors import BackendError
from punie_eval.generation.backends.base import Conversation, ModelIdentity
from punie_eval.generation.fingerprint import fingerprint
from punie_eval.types import FinishReason, Response

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_RETRIES = 2
DEFAULT_CONCURRENCY = 4
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


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
    ) -> None:
        self.root = api_root(base_url)
        self.model = str(model)
        local = Path(model)
        self.local_dir = local.resolve() if local.is_dir() else None
        self.cache_dir = cache_dir
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self._verified = False
        self._identity: ModelIdentity | None = None

    @property
    def model_loads(self) -> int:
        return 0  # the server loaded it, not us

    def identity(self) -> ModelIdentity:
        if self._identity is None:
            digest = fingerprint(self.local_dir, self.cache_dir) if self.local_dir else None
            self._identity = ModelIdentity(
                backend="openai",
                model_path=str(self.local_dir) if self.local_dir else self.model,
                name=self.local_dir.name if self.local_dir else self.model,
                content_hash=digest,
                blas="server (not reported)",
                extra={"base_url": self.root},
            )
        return self._identity

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """JSON in, JSON out, with bounded retries; every failure becomes one BackendError line."""
        url = f"{self.root}{path}"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                    raw = reply.read()
            except urllib.error.HTTPError as err:
                detail = err.read()[:200].decode("utf-8", "replace").strip()
                if err.code in _RETRY_STATUS and not last:
                    time.sleep(0.5 * 2**attempt)
                    continue
                raise BackendError(f"{method} {url}: HTTP {err.code} {err.reason}: {detail}") from None
            except (TimeoutError, urllib.error.URLError, ConnectionError) as err:
                reason = getattr(err, "reason", err)
                if not last:
                    time.sleep(0.5 * 2**attempt)
                    continue
                if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
                    raise BackendError(
                        f"{method} {url}: timed out after {self.timeout_s:g} s ({self.retries + 1} attempts)"
                    ) from None
                raise BackendError(
                    f"{method} {url}: cannot connect ({reason}); is the server running at {self.root}?"
                ) from None
            try:
                return json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                snippet = raw[:80].decode("utf-8", "replace")
                raise BackendError(f"{method} {url}: response is not JSON: {snippet!r}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def served_models(self) -> list[str]:
        reply = self._request("GET", "/v1/models")
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

    def complete(self, conversation: Conversation, max_tokens: int) -> Response:
        body = {
            "model": self.model,
            "messages": conversation,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": False,
        }
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
        text, rebuilt = wire_text(message.get("content"), message.get("tool_calls"))
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

    def generate(
        self, conversations: Sequence[Conversation], max_tokens: int, *, ids: Sequence[str] | None = None
    ) -> list[Response]:
        if not conversations:
            return []
        self.verify()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(lambda c: self.complete(c, max_tokens), conversations))


def _finish_reason(value: object) -> FinishReason | None:
    if value == "length":
        return "length"
    if value in ("stop", "tool_calls", "eos"):
        return "stop"  # mlx_lm.server says tool_calls for an EOS after a parsed call
    return None


__all__ = ["OpenAIBackend", "api_root", "wire_text"]
