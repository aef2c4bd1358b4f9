"""The evaluation run's settings, resolved and checked without pytest.

Each value comes from the first of: command line → environment variable → ini key →
built-in default. Converters check one value each and raise ``UsageError`` with one line
naming where the bad value came from (``--model: /x does not exist``); the plugin turns
that into ``pytest.UsageError``. Values stay plain strings, numbers and paths so that
pytest-xdist can hand them to its workers; objects are built later, inside fixtures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from punie_eval.errors import UsageError
from punie_eval.generation.backends.base import BACKENDS
from punie_eval.paths import default_queries_file, reference_model_dir

DEFAULT_MAX_TOKENS = 512
DEFAULT_MIN_STRICT = 0.80
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


def existing_path(where: str, value: str) -> Path:
    path = Path(value).expanduser()
    if not path.exists():
        raise UsageError(f"{where}: {value} does not exist")
    return path


def existing_file(where: str, value: str) -> Path:
    path = existing_path(where, value)
    if not path.is_file():
        raise UsageError(f"{where}: {value} is not a file")
    return path


def existing_dir(where: str, value: str) -> Path:
    path = existing_path(where, value)
    if not path.is_dir():
        raise UsageError(f"{where}: {value} is not a directory")
    return path


def fraction(where: str, value: str | float) -> float:
    """A probability: a finite number in [0, 1]; ``nan`` and ``inf`` are refused by name, not by accident."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where} must be a number between 0 and 1, got {value!r}") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise UsageError(f"{where} must be between 0 and 1, got {value}")
    return number


def positive_int(where: str, value: str | int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{where} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise UsageError(f"{where} must be a positive integer, got {value}")
    return number


def backend_name(where: str, value: str) -> str:
    if value not in BACKENDS:
        raise UsageError(f"{where} must be one of {', '.join(BACKENDS)}; got {value!r}")
    return value


def floor_pairs(where: str, values: Sequence[str], categories: Sequence[str]) -> dict[str, float]:
    """``CATEGORY=VALUE`` pairs, each naming a category of the suite."""
    floors: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise UsageError(f"{where} must be CATEGORY=VALUE, got {item!r}")
        if name not in categories:
            raise UsageError(f"{where} category must be one of {', '.join(categories)}; got {name!r}")
        floors[name] = fraction(f"{where} {name}", raw)
    return floors


def _where(setting: Setting, flag: str) -> str:
    return setting.source or flag


@dataclass(frozen=True)
class RunOptions:
    """Everything the plugin needs, checked; paths are not yet opened."""

    model: Path  # the model directory (explicit, or the reference model)
    model_explicit: bool
    queries: Path
    max_tokens: int
    results: Path | None
    backend: str
    base_url: str | None
    replay: Path | None
    cache_dir: Path | None  # None with --no-cache
    gate: bool
    min_strict: float
    floor_overrides: tuple[str, ...]  # raw CATEGORY=VALUE items; checked against the suite
    baseline: Path | None


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
) -> RunOptions:
    """Check every value; the first bad one raises ``UsageError``."""
    backend = backend_name("--backend", backend)
    if model.value is not None:
        model_path = existing_dir(_where(model, "--model"), model.value)
    else:
        model_path = reference_model_dir()
    if queries.value is not None:
        queries_path = existing_file(_where(queries, "--queries"), queries.value)
    else:
        queries_path = default_queries_file()
    replay_path = existing_file("--replay", replay) if replay is not None else None
    if backend == "replay" and replay_path is None:
        raise UsageError("--backend replay needs --replay FILE (JSONL of recorded responses or a results file)")
    if backend == "openai" and not base_url:
        raise UsageError("--backend openai needs --base-url URL (e.g. http://127.0.0.1:8080/v1)")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, got {base_url!r}")
    if results is not None and not Path(results).expanduser().resolve().parent.is_dir():
        raise UsageError(f"--results: the folder of {results} does not exist")
    return RunOptions(
        model=model_path,
        model_explicit=model.value is not None,
        queries=queries_path,
        max_tokens=positive_int("--max-tokens", max_tokens),
        results=Path(results).expanduser() if results is not None else None,
        backend=backend,
        base_url=base_url,
        replay=replay_path,
        cache_dir=None if no_cache else Path(cache_dir).expanduser(),
        gate=gate,
        min_strict=fraction("--min-strict", min_strict),
        floor_overrides=tuple(floors),
        baseline=existing_file("--baseline", baseline) if baseline is not None else None,
    )
