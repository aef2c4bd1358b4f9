"""The evaluation run's settings, resolved and checked without pytest.

Each value comes from the first of: command line → environment variable → ini key →
built-in default. Converters check one value each and raise ``UsageError`` with one line
naming where the bad value came from (``--model: /x does not exist``); the plugin turns
that into ``pytest.UsageError``. Every process (the pytest-xdist controller and each worker)
resolves the same options to the same ``RunOptions``; nothing is re-checked later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from punie_eval.errors import UsageError
from punie_eval.evaluation.conclude import GatePolicy
from punie_eval.evaluation.target import BackendName, Decoding, RunTarget, check_sampling
from punie_eval.generation.fingerprint import ADAPTER_FILES, is_adapter_dir
from punie_eval.history import default_history
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.paths import reference_model_dir
from punie_eval.queries import QuerySuite, load_suite, with_system_prompt
from punie_eval.registry import load_registry
from punie_eval.scoring.layers import THINK_POLICIES, ThinkPolicy
from punie_eval.values import (
    batch_size,
    existing_dir,
    existing_file,
    finite_number,
    floor_pairs,
    fraction,
    json_object,
    positive_int,
    prompt_text,
    seconds,
    whole_number,
)

DEFAULT_CACHE_DIR = ".punie-cache"


@dataclass(frozen=True)
class Setting:
    """One option's raw value and where it came from (``--model``, ``PUNIE_MODEL``, ``punie_model``)."""

    value: str | None
    source: str


def resolve(cli: str | None, env: Mapping[str, str], env_name: str, ini: str | None, ini_name: str) -> Setting:
    """The first value given on the command line, in the environment or in the ini file."""
    if cli is not None:
        return Setting(cli, "")
    if env.get(env_name):
        return Setting(env[env_name], env_name)
    if ini:
        return Setting(ini, ini_name)
    return Setting(None, "")


def _where(setting: Setting, flag: str) -> str:
    return setting.source or flag


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs, checked once: what answers, how it decodes, the suite, the outputs."""

    target: RunTarget
    decoding: Decoding
    think: ThinkPolicy
    suite: QuerySuite
    policy: GatePolicy
    results: Path | None
    cache_dir: Path | None  # None with --no-cache
    baseline: Path | None
    repeats: int = 1  # sampled runs: outcomes per query
    history: Path | None = None  # the run history database; None with --no-history


@dataclass(frozen=True)
class Sampling:
    """--temperature, --top-p, --seed and --repeats as given (strings from pytest, numbers from code)."""

    temperature: str | float = 0.0
    top_p: str | float = 1.0
    seed: str | int | None = None
    repeats: str | int = 1

    def decoding(self) -> dict[str, Any]:
        seed = whole_number("--seed", self.seed) if self.seed is not None else None
        top_p = finite_number("--top-p", self.top_p)
        return {"temperature": finite_number("--temperature", self.temperature), "top_p": top_p, "seed": seed}


@dataclass(frozen=True)
class Generation:
    """--batch-size, --canary and --canary-strict as given (mlx backend only; None: the default)."""

    batch_size: Setting | None = None
    canary: str | int | None = None
    canary_strict: bool = False

    def given(self) -> bool:
        """Set on the command line (an environment or ini batch size applies to mlx runs only)."""
        batch = self.batch_size
        explicit_batch = batch is not None and batch.value is not None and not batch.source
        return explicit_batch or self.canary is not None or self.canary_strict

    def target_fields(self, backend: str) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.batch_size is not None and self.batch_size.value is not None and backend == "mlx":
            fields["batch_size"] = batch_size(_where(self.batch_size, "--batch-size"), self.batch_size.value)
        if self.canary is not None:
            fields["canary"] = whole_number("--canary", self.canary)
        if self.canary_strict:
            fields["canary_strict"] = True
        return fields


def _target(
    backend: str,
    model: Setting,
    base_url: str | None,
    replay: str | None,
    adapter: Setting | None,
    transport: Mapping[str, Any],
) -> RunTarget:
    """The target; RunTarget itself refuses a bad combination of backend and options."""
    replay_path = existing_file("--replay", replay) if replay is not None else None
    if backend == "openai" and model.value is not None and not Path(model.value).expanduser().exists():
        kind = cast("BackendName", backend)
        return RunTarget(kind, model_id=model.value, base_url=base_url, replay=replay_path, **transport)
    if model.value is not None:
        model_path: Path | None = existing_dir(_where(model, "--model"), model.value)
        if model_path is not None and is_adapter_dir(model_path) and not (model_path / "config.json").exists():
            raise UsageError(
                f"{_where(model, '--model')}: {model.value} is a LoRA adapter folder, not a model: "
                "pass it as --adapter, with its base model as --model"
            )
    else:
        model_path = reference_model_dir() if backend == "mlx" else None
    adapter_path = None
    if adapter is not None and adapter.value is not None:
        where = _where(adapter, "--adapter")
        adapter_path = existing_dir(where, adapter.value)
        if not is_adapter_dir(adapter_path):
            raise UsageError(f"{where}: {adapter.value} must hold {' and '.join(ADAPTER_FILES)} (mlx_lm lora output)")
    kind = cast("BackendName", backend)
    return RunTarget(kind, model=model_path, base_url=base_url, replay=replay_path, adapter=adapter_path, **transport)


def build_options(
    *,
    model: Setting,
    queries: Setting,
    max_tokens: str | int,
    results: str | None,
    backend: str,
    base_url: str | None,
    replay: str | None,
    cache_dir: str,
    no_cache: bool,
    gate: bool,
    min_strict: str | float,
    floors: Sequence[str],
    baseline: str | None,
    allow_partial: bool = False,
    system_prompt: Setting | None = None,
    adapter: Setting | None = None,
    concurrency: str | int | None = None,
    timeout: str | float | None = None,
    chat_template_args: str | None = None,
    think: str = "fail",
    sampling: Sampling | None = None,
    generation: Generation | None = None,
    tools: Setting | None = None,
    history: Setting | None = None,
    no_history: bool = False,
) -> RunOptions:
    """Check every value and every combination; the first bad one raises ``UsageError``."""
    transport: dict[str, Any] = {}
    if concurrency is not None:
        transport["concurrency"] = positive_int("--concurrency", concurrency)
    if timeout is not None:
        transport["timeout_s"] = seconds("--timeout", timeout)
    if transport and backend != "openai":
        raise UsageError(f"--concurrency and --timeout are for the openai backend, got --backend {backend}")
    generation = generation or Generation()
    if generation.given() and backend != "mlx":
        raise UsageError(f"--batch-size and --canary are for the mlx backend, got --backend {backend}")
    transport |= generation.target_fields(backend)
    target = _target(backend, model, base_url, replay, adapter, transport)
    template_args = json_object("--chat-template-args", chat_template_args) if chat_template_args else {}
    sampling = sampling or Sampling()
    decoding = Decoding(
        max_tokens=positive_int("--max-tokens", max_tokens), chat_template_args=template_args, **sampling.decoding()
    )
    repeats = positive_int("--repeats", sampling.repeats)
    check_sampling(target, decoding, repeats)
    if think not in THINK_POLICIES:
        raise UsageError(f"--think must be one of {', '.join(THINK_POLICIES)}; got {think!r}")
    queries_path = existing_file(_where(queries, "--queries"), queries.value) if queries.value else None
    registry = None
    if tools is not None and tools.value is not None:
        registry = load_registry(existing_dir(_where(tools, "--tools"), tools.value))
    suite = load_suite(queries_path, registry)
    if system_prompt is not None and system_prompt.value is not None:
        suite = with_system_prompt(suite, prompt_text(_where(system_prompt, "--system-prompt"), system_prompt.value))
    if results is not None and not Path(results).expanduser().resolve().parent.is_dir():
        raise UsageError(f"--results: the folder of {results} does not exist")
    baseline_path = existing_file("--baseline", baseline) if baseline is not None else None
    results_path = Path(results).expanduser() if results is not None else None
    history_path = _history(history, no_history, cache_dir)
    refuse_overwriting_inputs(
        {"--results": results_path, "--history": history_path},
        {
            "--queries": suite.path,
            "--tools": suite.registry.root,
            "--baseline": baseline_path,
            "--model": target.model,
            "--adapter": target.adapter,
            "--replay": target.replay,
        },
    )
    cache_path = None if no_cache else Path(cache_dir).expanduser()
    if cache_path is not None and cache_path.exists() and not cache_path.is_dir():
        raise UsageError(f"--cache-dir must be a folder, got the file {cache_dir}")
    if results_path is not None and results_path.is_dir():
        raise UsageError(f"--results must be a file path, got the folder {results}")
    policy = GatePolicy(
        enabled=gate,
        allow_partial=allow_partial,
        min_strict=fraction("--min-strict", min_strict),
        floor_overrides=floor_pairs("--floor", floors, list(suite.categories)),
    )
    return RunOptions(
        target=target,
        decoding=decoding,
        think=think,
        suite=suite,
        policy=policy,
        results=results_path,
        cache_dir=cache_path,
        baseline=baseline_path,
        repeats=repeats,
        history=history_path,
    )


def _history(history: Setting | None, no_history: bool, cache_dir: str) -> Path | None:
    """The history database: ``--history``, none with ``--no-history``, else beside the cache folder."""
    if history is None or history.value is None:
        return None if no_history else default_history(cache_dir)
    where = _where(history, "--history")
    if no_history:
        raise UsageError(f"{where} and --no-history contradict each other: pass one of them")
    path = Path(history.value).expanduser()
    if path.is_dir():
        raise UsageError(f"{where} must be a database file path, got the folder {history.value}")
    if not path.resolve().parent.is_dir():
        raise UsageError(f"{where}: the folder of {history.value} does not exist")
    return path
