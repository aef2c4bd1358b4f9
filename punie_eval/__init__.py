"""punie-eval: a pytest-native evaluation and regression suite for small tool-calling LLMs.

From Python::

    from punie_eval import RunTarget, evaluate
    result = evaluate(None, RunTarget.local("data/reference-model"))   # the bundled 57-query suite
    print(result.summary["overall"])

The names below are imported on first use, so ``import punie_eval`` stays light (no mlx, no pytest).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "evaluate": "punie_eval.evaluation.evaluate",
    "conclude": "punie_eval.evaluation.conclude",
    "GatePolicy": "punie_eval.evaluation.conclude",
    "RunTarget": "punie_eval.evaluation.target",
    "Decoding": "punie_eval.evaluation.target",
    "RunResult": "punie_eval.evaluation.result",
    "QueryRecord": "punie_eval.evaluation.result",
    "TurnRecord": "punie_eval.evaluation.result",
    "load_suite": "punie_eval.queries",
    "load_registry": "punie_eval.registry",
    "score_response": "punie_eval.evaluation.evaluate",
    "compare": "punie_eval.reporting.compare",
}

if TYPE_CHECKING:
    from punie_eval.evaluation.conclude import GatePolicy, conclude
    from punie_eval.evaluation.evaluate import evaluate, score_response
    from punie_eval.evaluation.result import QueryRecord, RunResult, TurnRecord
    from punie_eval.evaluation.target import Decoding, RunTarget
    from punie_eval.queries import load_suite
    from punie_eval.registry import load_registry
    from punie_eval.reporting.compare import compare


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'punie_eval' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Decoding",
    "GatePolicy",
    "QueryRecord",
    "RunResult",
    "RunTarget",
    "TurnRecord",
    "compare",
    "conclude",
    "evaluate",
    "load_registry",
    "load_suite",
    "score_response",
]
