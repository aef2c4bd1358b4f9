"""Real runs for the history tests: the bundled suite replayed from answers written here (no model).

``replay_run(folder, name, calls)`` evaluates the 57 queries with every tool query answered by
``calls`` (a git_status call by default) and every prose query answered in prose, so different
answer schemes give runs with different per-category outcomes.
"""

from __future__ import annotations

import json
from pathlib import Path

from punie_eval import RunTarget, evaluate
from punie_eval.evaluation.result import RunResult
from punie_eval.queries import load_suite

GIT_STATUS = 'result = git_status(".")\nprint(result.clean, result.file_count)'
PROSE = "Use a Protocol when classes should match by structure rather than by inheriting a base class."


def call(code: str) -> str:
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


def replay_run(folder: Path, name: str = "replay-model", code: str = GIT_STATUS, **kwargs: object) -> RunResult:
    """The bundled suite answered from a recording named ``name`` (the model's name in the metadata)."""
    lines = []
    for query in load_suite(None).queries:
        first = PROSE if query.expect == "prose" else call(code)
        lines.append(json.dumps({"id": query.id, "responses": [first, "The status is clean."]}))
    folder.mkdir(parents=True, exist_ok=True)
    recording = folder / f"{name}.jsonl"
    recording.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return evaluate(None, RunTarget.replayed(recording), progress=None, **kwargs)  # type: ignore[arg-type]


GIT_DIFF = 'r = git_diff(".")\nprint(r.file_count)'
GIT_LOG = 'print(git_log(".", count=5).commit_count)'


def three_runs(folder: Path) -> Path:
    """A history of three runs: alpha (6/57 strict), beta, then alpha again (3/57)."""
    from punie_eval.history.store import record_run

    db = folder / "h.sqlite"
    for name, code in (("alpha", GIT_STATUS), ("beta", GIT_LOG), ("alpha", GIT_DIFF)):
        record_run(db, replay_run(folder / f"run{len(name)}{code[:3]}", name=name, code=code))
    return db
