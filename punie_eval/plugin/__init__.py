"""The pytest plugin (entry point ``pytest11: punie_eval``): a thin view over :func:`punie_eval.evaluate`.

    options (one "punie" group)  →  pytest_configure: RunOptions (target, decoding, suite, gate) once
    pytest_generate_tests        →  one item per query of the suite (fixture ``punie_query``)
    punie_run (session)          →  evaluate() on the selected queries, each generated once
    punie_score                  →  the query's score; its JSON record rides in user_properties
    RunReport                    →  gathers records (also from xdist workers), then conclude():
                                    summary, gate, baseline comparison, results file

Heavy modules (generation, scoring, mlx) are imported inside fixtures, so ``pytest -m data``
or ``--collect-only`` never load a model.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

import pytest

from punie_eval.errors import PunieEvalError
from punie_eval.plugin.options import add_options, opted_in, run_id, run_options
from punie_eval.plugin.state import STATE, RunState
from punie_eval.queries import Query, QuerySuite
from punie_eval.reporting.explain import QueryFailure

if TYPE_CHECKING:
    from punie_eval.evaluation.conclude import Conclusion
    from punie_eval.evaluation.result import RunResult
    from punie_eval.generation.progress import Reporter
    from punie_eval.types import QueryScore

pytest_plugins = ["punie_eval.plugin.snapshots"]  # --snapshot-lineage, punie_snapshot, snapshot review

QUERY_PROPERTY, RECORD_PROPERTY, SESSION_PROPERTY = "punie_query", "punie_record", "punie_session"
VERDICT_NODEID = "punie-eval::gate"  # the verdict's own test case (JUnit XML, the pass/fail tally)
STATIC_MARKERS = (
    ("none", "tool family: the query expects no tool call (prose answers)."),
    ("data", "data-contract test: reads data files only, never loads a model."),
    ("slow", "slow test: builds or loads a model, runs pytest or a server, or reads the whole training corpus."),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def markers(suite: QuerySuite) -> list[tuple[str, str]]:
    """Category markers from the suite's own descriptions, family markers from the suite's tool registry."""
    tools = suite.registry.tools.values()
    out = [
        (name, f"query category: {spec.description.split('. ')[0] or name}.") for name, spec in suite.categories.items()
    ]
    for family in suite.registry.families:
        names = ", ".join(t.name for t in tools if t.family == family)
        out.append((family, f"tool family: the query expects a call of {names}."))
    return [*out, *STATIC_MARKERS]


def pytest_configure(config: pytest.Config) -> None:
    if opted_in(config):
        activate(config)


def activate(config: pytest.Config) -> None:
    """Resolve the run's options once, register the markers and the end-of-run report."""
    try:
        state = RunState(run_options(config))
    except PunieEvalError as err:
        raise pytest.UsageError(str(err)) from None
    for name, description in markers(state.options.suite):
        config.addinivalue_line("markers", f"{name}: {description.rstrip('.')}.")
    config.stash[STATE] = state
    config.pluginmanager.register(RunReport(config), "punie-run-report")


def pytest_report_header(config: pytest.Config) -> list[str]:
    if STATE not in config.stash:
        return []
    o = config.stash[STATE].options
    target, suite = o.target, o.suite
    tools = suite.registry
    blas = "n/a"
    model = target.describe()
    if target.model is not None:  # hashing a 20 GB model waits until generation needs it (never for -m data)
        from punie_eval.generation.fingerprint import known_fingerprint

        digest = known_fingerprint(target.model, target.adapter, o.cache_dir)
        model += f" (hash {digest[:12]})" if digest else " (hashed when it generates)"
    if target.backend == "mlx":
        from punie_eval.generation.blas import load_fast_blas  # before anything imports mlx

        blas = load_fast_blas()
    d = o.decoding
    decoding = f"greedy, at most {d.max_tokens} new tokens a turn"
    if not d.greedy:
        seed = d.seed if d.seed is not None else "drawn at the start"
        decoding = f"sampling at temperature {d.temperature:g}, top-p {d.top_p:g}, seed {seed}, {o.repeats} repeat(s)"
    return [
        f"punie-eval: model {model}, backend {target.backend}, blas {blas}",
        f"punie-eval: decoding {decoding}",
        f"punie-eval: suite {suite.name} ({suite.fingerprint[:12]}), {len(suite.queries)} queries from {suite.path}",
        f"punie-eval: tools {tools.name} ({tools.fingerprint[:12]}), {len(tools.tools)} tools from {tools.root}",
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "punie_query" not in metafunc.fixturenames:
        return
    if STATE not in metafunc.config.stash:  # collecting punie's evals opts the run in (too late for the header)
        activate(metafunc.config)
    suite = metafunc.config.stash[STATE].options.suite
    params = [
        pytest.param(q, id=q.id, marks=[getattr(pytest.mark, name) for name in (q.category, *q.families)])
        for q in suite.queries
    ]
    metafunc.parametrize("punie_query", params)


def _query_of(item: pytest.Item) -> Query | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("punie_query") if callspec is not None else None
    return value if isinstance(value, Query) else None


def pytest_itemcollected(item: pytest.Item) -> None:
    query = _query_of(item)
    if query is not None:
        item.user_properties.append((QUERY_PROPERTY, query.id))


@pytest.fixture(scope="session")
def punie_suite(pytestconfig: pytest.Config) -> QuerySuite:
    """The query suite of this run (``--queries``)."""
    return pytestconfig.stash[STATE].options.suite


@pytest.fixture(scope="session")
def punie_run(request: pytest.FixtureRequest) -> RunResult:
    """The run over every selected query: each conversation generated once (cached; one model load at most)."""
    from punie_eval.evaluation.evaluate import evaluate

    o = request.config.stash[STATE].options
    selected = [q for item in request.session.items if (q := _query_of(item)) is not None]
    try:  # the failure is reported outside the except block: one line, no "during handling" chain
        return evaluate(
            o.suite,
            o.target,
            o.decoding,
            queries=selected,
            cache=o.cache_dir,
            progress=_progress(request.config),
            think=o.think,
            repeats=o.repeats,
            run_id=run_id(request.config),
        )
    except PunieEvalError as err:
        failure = f"generation failed: {err}"
    pytest.fail(failure, pytrace=False)


class _Uncaptured:
    """The real stderr with pytest's capture lifted for each write: progress reaches the terminal and CI logs."""

    def __init__(self, config: pytest.Config) -> None:
        self.capture = config.pluginmanager.getplugin("capturemanager")
        self.stream = sys.__stderr__ or sys.stderr

    def write(self, text: str) -> int:
        with self.capture.global_and_fixture_disabled() if self.capture else contextlib.nullcontext():
            self.stream.write(text)
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        with self.capture.global_and_fixture_disabled() if self.capture else contextlib.nullcontext():
            return self.stream.isatty()  # fd 2 is pytest's capture file until capture is lifted


def _progress(config: pytest.Config) -> Reporter:
    """Progress lines (also from xdist workers), and a live bar when stderr is a terminal."""
    from punie_eval.generation.progress import Reporter, every_s

    stream = _Uncaptured(config)

    def line(text: str) -> None:
        stream.write(text + "\n")

    return Reporter(line, cast(TextIO, stream) if stream.isatty() else None, every_s())


@pytest.fixture
def punie_score(request: pytest.FixtureRequest, punie_query: Query, punie_run: RunResult) -> QueryScore:
    """The query's score; its JSON record and the run's metadata ride on the test's reports."""
    score = punie_run.scores.get(punie_query.id)
    if score is None:
        pytest.fail(f"{punie_query.id}: the backend returned no response for this query", pytrace=False)
    record = next(r for r in punie_run.records if r.id == punie_query.id)
    request.node.user_properties.append((RECORD_PROPERTY, json.dumps(record.to_json(), ensure_ascii=False)))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    request.node.user_properties.append((SESSION_PROPERTY, {"worker": worker, "metadata": dict(punie_run.metadata)}))
    return score


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under --gate a query's strict failure is an xfail carrying its reason; the gate decides the exit status."""
    report = yield
    excinfo = call.excinfo
    if excinfo is None or not excinfo.errisinstance(QueryFailure):
        return report
    reason = cast(QueryFailure, excinfo.value).reason
    longrepr = excinfo.getrepr(style="value")  # the explanation alone, no traceback or fixture reprs
    if longrepr.reprcrash is not None:
        longrepr.reprcrash.message = reason  # the short summary line
    report.longrepr = longrepr
    if item.config.stash[STATE].options.policy.enabled:
        report.outcome = "skipped"
        report.wasxfail = f"strict: {reason}"
    return report


class RunReport:
    """Gathers every query's record (here or from xdist workers); at the end, conclude() and print."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.controller = not hasattr(config, "workerinput")

    @property
    def state(self) -> RunState:
        return self.config.stash[STATE]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        qid = props.get(QUERY_PROPERTY)
        if not self.controller or not isinstance(qid, str):
            return
        state = self.state
        if RECORD_PROPERTY in props:
            state.records[qid] = json.loads(cast(str, props[RECORD_PROPERTY]))
        if SESSION_PROPERTY in props:
            session = cast("dict[str, Any]", props[SESSION_PROPERTY])
            state.metadata[str(session["worker"])] = session["metadata"]
        if report.failed and qid not in state.records:
            state.errors[qid] = next((ln.strip() for ln in report.longreprtext.split("\n") if ln.strip()), report.when)
        else:
            state.errors.setdefault(qid, None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.controller or not self.state.errors:
            return
        from punie_eval.evaluation.conclude import conclude

        state, o = self.state, self.state.options
        state.conclusion = conclude(
            self._result(), o.suite, o.policy, results=o.results, baseline=o.baseline,
            interrupted=exitstatus == pytest.ExitCode.INTERRUPTED, history=o.history,
        )  # fmt: skip
        if not state.conclusion.passed and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if o.policy.enabled or o.baseline is not None:
            self._report_verdict(state.conclusion)

    def _report_verdict(self, conclusion: Conclusion) -> None:
        """The gate (and baseline) verdict as one more test case, so JUnit XML and the tally show it."""
        why = [f"gate {conclusion.gate.describe()}"] if conclusion.gate is not None else []
        why += [line for line in conclusion.lines if line.startswith(("baseline ", "  "))]
        outcome: Literal["passed", "failed"] = "passed" if conclusion.passed else "failed"
        for when in ("setup", "call", "teardown"):
            report = pytest.TestReport(
                nodeid=VERDICT_NODEID,
                location=("punie-eval", None, "gate"),
                keywords={},
                outcome=outcome if when == "call" else "passed",
                longrepr="\n".join(why) if when == "call" and outcome == "failed" else None,
                when=when,
                user_properties=[("punie_verdict", json.dumps(why))] if when == "call" else [],
            )
            self.config.hook.pytest_runtest_logreport(report=report)

    def _result(self) -> RunResult:
        """The run as the controller saw it: records in suite order, metadata merged over workers."""
        from punie_eval.evaluation.conclude import merge_metadata
        from punie_eval.evaluation.evaluate import target_metadata
        from punie_eval.evaluation.result import QueryRecord, RunResult

        state, o = self.state, self.state.options
        records = tuple(  # suite order, whatever order the reports came in
            QueryRecord.from_json(state.records[q.id])
            if q.id in state.records
            else QueryRecord.not_scored(q, state.errors[q.id])
            for q in o.suite.queries
            if q.id in state.errors
        )
        parts = list(state.metadata.values()) or [target_metadata(o.target, o.suite, o.decoding, state.started_at)]
        return RunResult(merge_metadata(parts, state.elapsed()), records)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        conclusion = self.state.conclusion
        if self.controller and conclusion is not None:
            terminalreporter.section("punie-eval summary")
            for line in conclusion.lines:
                terminalreporter.line(line)
