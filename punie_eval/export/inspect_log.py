"""A run as an Inspect AI eval log, built from inspect_ai's own log types and written by its writer.

One sample per query (epoch = repeat + 1): the conversation as asked and answered (system
prompt, request, each turn's response, the fixed tool result before turn 2), the model's last
output, and two scores, ``strict`` and ``soft`` (``C``/``I``), whose explanation lists every
scoring layer with its reason and whose metadata carries the layers, diagnoses and failure.
The results hold accuracy overall and per category; the run's metadata is the eval's metadata,
so ``inspect view`` browses our runs beside Inspect's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from punie_eval import __version__
from punie_eval.errors import PunieEvalError, UsageError
from punie_eval.evaluation.result import QueryRecord, RunResult, TurnRecord
from punie_eval.generation.prompts import tool_response
from punie_eval.history.rows import run_uid
from punie_eval.queries import QuerySuite, load_suite, with_system_prompt
from punie_eval.registry import load_registry

if TYPE_CHECKING:
    from inspect_ai.log import EvalLog, EvalSample
    from inspect_ai.model import ChatMessage

STOP_REASONS = {"stop": "stop", "length": "max_tokens"}  # our finish reasons -> Inspect's StopReason


def _require_inspect() -> None:
    try:
        import inspect_ai  # noqa: F401
    except ImportError:
        raise UsageError("--inspect needs inspect-ai: pip install 'punie-eval[inspect]'") from None


def recorded_suite(meta: Mapping[str, Any]) -> QuerySuite | None:
    """The suite the run was asked from, when its file is still there unchanged (for turn-2 tool results)."""
    recorded = meta.get("suite") or {}
    try:
        suite = load_suite(Path(str(recorded.get("path"))))
        if recorded.get("system_prompt") and suite.system_prompt != recorded["system_prompt"]:
            suite = with_system_prompt(suite, str(recorded["system_prompt"]))
    except (PunieEvalError, OSError):
        return None
    return suite if suite.fingerprint == recorded.get("fingerprint") else None


def _tool_result(suite: QuerySuite | None, query_id: str) -> str:
    query = suite.by_id().get(query_id) if suite is not None else None
    if query is None or query.turn2 is None:
        return "(the tool result of turn 1 is in the query suite, which is not available unchanged)"
    registry = load_registry()
    returns = registry.tools[query.turn2.tool].returns
    result = registry.render_repr(returns, query.turn2.tool_result) if returns else str(query.turn2.tool_result)
    return tool_response(result)


def _target(suite: QuerySuite | None, record: QueryRecord) -> str:
    """What the query expects: its tools, or prose (the category when the suite is not available)."""
    query = suite.by_id().get(record.id) if suite is not None else None
    if query is None:
        return record.category
    return ", ".join(query.tools) if query.expect == "tool" and query.tools else query.expect


def _messages(record: QueryRecord, system_prompt: str, model: str, suite: QuerySuite | None) -> list[ChatMessage]:
    from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

    messages: list[ChatMessage] = [ChatMessageSystem(content=system_prompt), ChatMessageUser(content=record.prompt)]
    for turn in record.turns:
        if turn.turn > 1:
            messages.append(ChatMessageUser(content=_tool_result(suite, record.id)))
        messages.append(ChatMessageAssistant(content=turn.response, model=model, source="generate"))
    return messages


def explanation(record: QueryRecord) -> str:
    """Every layer of every turn with ✓/✗ and its reason, after the one-line failure."""
    lines = [record.failure or "strict pass"]
    for turn in record.turns:
        lines.append(f"turn {turn.turn}: {turn.diagnosis.label} ({turn.diagnosis.detail})")
        lines += [f"  {'✓' if layer.passed else '✗'} {layer.name}: {layer.reason}" for layer in turn.layers]
    return "\n".join(lines)


def _turn_metadata(turn: TurnRecord) -> dict[str, Any]:
    return {
        "turn": turn.turn,
        "diagnosis": turn.diagnosis.label,
        "format_failure": turn.diagnosis.format_failure,
        "finish_reason": turn.finish_reason,
        "tokens": turn.tokens,
        "layers": [{"name": layer.name, "passed": layer.passed, "reason": layer.reason} for layer in turn.layers],
    }


def _sample(
    record: QueryRecord, system_prompt: str, model: str, suite: QuerySuite | None, epoch: int = 1
) -> EvalSample:
    from inspect_ai.log import EvalSample
    from inspect_ai.model import ModelOutput, ModelUsage
    from inspect_ai.scorer import CORRECT, INCORRECT, Score

    last = record.turns[-1] if record.turns else None
    stop = STOP_REASONS.get(str(last.finish_reason), "unknown") if last is not None else "unknown"
    output = ModelOutput.from_content(model, last.response if last is not None else "", stop_reason=stop)  # type: ignore[arg-type]
    tokens = sum(t.tokens or 0 for t in record.turns)  # generated tokens of every turn
    usage = ModelUsage(output_tokens=tokens, total_tokens=tokens)
    output.usage = usage
    details = {
        "failure": record.failure,
        "failing_layer": None if record.strict else record.failing_layer,
        "turns": [_turn_metadata(t) for t in record.turns],
    }
    why = explanation(record)
    scores = {
        "strict": Score(value=CORRECT if record.strict else INCORRECT, answer=output.completion, explanation=why,
                        metadata=details),
        "soft": Score(value=CORRECT if record.soft else INCORRECT, explanation="soft: the gate layer of turn 1"),
    }  # fmt: skip
    messages = _messages(record, system_prompt, model, suite)
    return EvalSample(
        id=record.id,
        epoch=epoch,
        input=record.prompt,
        target=_target(suite, record),
        messages=messages,
        output=output,
        scores=scores,
        model_usage={model: usage},
        metadata={"category": record.category, "families": list(record.families), "critical": record.critical},
    )


def _accuracy(records: tuple[QueryRecord, ...], key: str) -> dict[str, Any]:
    from inspect_ai.log import EvalMetric

    def rate(rs: list[QueryRecord]) -> float:
        return sum(bool(getattr(r, key)) for r in rs) / len(rs) if rs else 0.0

    metrics = {"accuracy": EvalMetric(name="accuracy", value=rate(list(records)))}
    for category in dict.fromkeys(r.category for r in records):
        chosen = [r for r in records if r.category == category]
        metrics[category] = EvalMetric(name=category, group="category", value=rate(chosen))
    return metrics


def eval_log(result: RunResult) -> EvalLog:
    """The run as an ``EvalLog`` (status success; one sample per query)."""
    _require_inspect()
    from inspect_ai.log import (
        EvalConfig,
        EvalDataset,
        EvalLog,
        EvalResults,
        EvalRevision,
        EvalScore,
        EvalSpec,
        EvalStats,
    )
    from inspect_ai.model import GenerateConfig

    meta, records = result.metadata, result.records
    outcomes = tuple(o for r in records for o in r.outcomes)  # a sampled run: every repeat, as Inspect's epochs
    epochs = max((len(r.outcomes) for r in records), default=1)
    model_meta, suite_meta = meta.get("model") or {}, meta.get("suite") or {}
    model = f"punie/{model_meta.get('name') or 'model'}"
    decoding = meta.get("decoding") or {}
    started = str(meta.get("started_at") or datetime.now().astimezone().isoformat(timespec="seconds"))
    total = float((meta.get("timings") or {}).get("total_s") or 0.0)
    commit = meta.get("git_commit")
    suite = recorded_suite(meta)
    spec = EvalSpec(
        run_id=run_uid(result.to_json())[:22],
        created=started,
        task=f"punie-eval/{suite_meta.get('name') or 'suite'}",
        task_id=str(suite_meta.get("fingerprint") or "")[:22],
        task_version=str(meta.get("scorer_version") or 0),
        dataset=EvalDataset(
            name=suite_meta.get("name"),
            location=suite_meta.get("path"),
            samples=len(records),
            sample_ids=[r.id for r in records],
        ),
        model=model,
        model_generate_config=GenerateConfig(
            max_tokens=decoding.get("max_tokens"),
            temperature=decoding.get("temperature"),
            top_p=decoding.get("top_p"),
            seed=decoding.get("seed"),
        ),
        config=EvalConfig(epochs=epochs),
        revision=EvalRevision(type="git", origin="", commit=str(commit)) if commit else None,
        packages={"punie-eval": __version__},
        metadata=dict(meta),
    )
    scores = [
        EvalScore(name=key, scorer=f"punie_{key}", scored_samples=len(outcomes), metrics=_accuracy(outcomes, key))
        for key in ("strict", "soft")
    ]
    completed = (datetime.fromisoformat(started) + timedelta(seconds=total)).isoformat(timespec="seconds")
    system_prompt = str(suite_meta.get("system_prompt") or "")
    return EvalLog(
        status="success",
        eval=spec,
        results=EvalResults(total_samples=len(outcomes), completed_samples=len(outcomes), scores=scores),
        stats=EvalStats(started_at=started, completed_at=completed),
        samples=[
            _sample(o, system_prompt, model, suite, epoch) for r in records for epoch, o in enumerate(r.outcomes, 1)
        ],
    )


def write_inspect_log(result: RunResult, path: Path) -> None:
    """Write the run's eval log to ``path`` (``.eval`` or ``.json``) atomically with inspect_ai's writer."""
    from inspect_ai.log import write_eval_log

    from punie_eval.atomic import write_with

    log = eval_log(result)
    suffix = ".json" if path.suffix == ".json" else ".eval"
    write_with(path, lambda tmp: write_eval_log(log, str(tmp), format=suffix[1:]), suffix=suffix)  # type: ignore[arg-type]


__all__ = ["eval_log", "explanation", "write_inspect_log"]
