"""Where the project's data lives, whether installed editable (repo ``data/``) or as a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The ``data/`` folder: bundled in the wheel as ``_data``, else the repository's."""
    bundled = _PACKAGE / "_data"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "data"


def default_registry_dir() -> Path:
    """The bundled 14-tool registry; only ``registry.load_registry`` reads it (a test checks)."""
    return data_dir() / "schemas"


def format_schema(name: str) -> Path:
    """The JSON Schema of one of punie-eval's own file formats (query-suite, chat-example, tool-registry)."""
    return data_dir() / "formats" / f"{name}.json"


def default_queries_file() -> Path:
    return data_dir() / "queries.json"


def heldout_queries_file() -> Path:
    """The held-out suite: scored for acceptance, never tuned on, kept out of training data like the main suite."""
    return data_dir() / "heldout" / "queries.json"


def heldout_system_prompt_file() -> Path:
    """A one-sentence system prompt no training conversation uses: a build's robustness is measured under it."""
    return data_dir() / "heldout" / "system-prompt.txt"


def heldout_system_prompt() -> str:
    return heldout_system_prompt_file().read_text(encoding="utf-8").strip()


def reference_model_dir() -> Path:
    return data_dir() / "reference-model"


def evals_dir() -> Path:
    """The ``evals/`` folder punie-eval runs: bundled in the wheel as ``_evals``, else the repository's."""
    bundled = _PACKAGE / "_evals"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "evals"
