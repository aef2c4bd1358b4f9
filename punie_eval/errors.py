"""Every error punie-eval raises on purpose.

    PunieEvalError                 base: a one-line message meant for a person
    ├── DataError                  a data file breaks its contract (names file:line and field)
    │   ├── QuerySuiteError        the query suite file is invalid
    │   └── RegistryError          a tool registry folder is invalid (names file:line and field)
    ├── ModelError                 a model directory cannot be used
    ├── BackendError               a generation backend failed (server down, wrong model, ...)
    └── UsageError                 an option or argument has a bad value

A malformed *model output* is never an error: it is a scored result with a diagnosis.
"""

from __future__ import annotations


class PunieEvalError(Exception):
    """Base class; ``str(err)`` is a complete one-line message."""


class DataError(PunieEvalError):
    """A data file (JSONL, JSON) breaks its contract."""

    def __init__(self, where: str, what: str, hint: str = "") -> None:
        self.where = where
        self.what = what
        self.hint = hint
        message = f"{where}: {what}"
        super().__init__(f"{message} ({hint})" if hint else message)


class QuerySuiteError(DataError):
    """The query suite file is invalid."""


class RegistryError(DataError):
    """A tool registry folder (manifest or result schema) is invalid."""


class ModelError(PunieEvalError):
    """A model directory is missing or is not a usable MLX model."""


class BackendError(PunieEvalError):
    """A generation backend failed or serves something other than what was asked for."""


class UsageError(PunieEvalError):
    """An option or argument has a bad value."""
