"""The pytest plugin (entry point ``pytest11: punie_eval``): the only module that imports pytest.

    options (one "punie" group)  →  pytest_configure: checked RunOptions + suite in config.stash
    pytest_generate_tests        →  one item per query of the suite (fixture ``punie_query``)
    punie_responses (session)    →  engine.collect_responses, once, only when a query test runs
    punie_score                  →  scoring.score_query; the record rides in user_properties
    RunReport (registered)       →  gathers records from reports (also from xdist workers),
                                    then summary table, results file, gate, baseline comparison

Heavy modules (engine, scoring, mlx) are imported inside fixtures, so ``pytest -m data`` or
``--collect-only`` never load a model.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from punie_eval import options as opts
from punie_eval.errors import PunieEvalError
from punie_eval.queries import CATEGORIES, Query, QuerySuite, load_suite
from punie_eval.registry import FAMILIES, ToolRegistry, load_registry
from punie_eval.reporting.explain import QueryFailure
from punie_eval.reporting.gate import GateResult, evaluate_gate

if TYPE_CHECKING:
    from punie_eval.generation.engine import SessionResponses
    from punie_eval.types import QueryScore

pytest_plugins = ["punie_eval.plugin.snapshots"]  # --snapshot-lineage, punie_snapshot, snapshot review

ENV_MODEL = "PUNIE_MODEL"
ENV_QUERIES = "PUNIE_QUERIES"
INI_MODEL = "punie_model"
INI_QUERIES = "punie_queries"
QUERY_PROPERTY = "punie_query"
RECORD_PROPERTY = "punie_record"
SESSION_PROPERTY = "punie_session"

_CATEGORY_HELP = {
    "direct_answers": "a conceptual question answered in prose, with no tool call",
    "single_tool": "one plainly worded request for one typed tool",
    "tool_identity": "wording that tempts a shell command where a typed tool exists",
    "field_access": "the right tool AND the right fields of its result",
    "cross_tool": "two or three tools called in one turn",
    "edge_cases": "prose about a tool, or a call from vague wording",
    "multi_turn": "a tool result is fed back; turn 2 summarises it or calls the next tool",
}
_FAMILY_HELP = {
    "git": "git_status, git_diff, git_log",
    "lsp": "goto_definition, find_references, hover, document_symbols, workspace_symbols",
    "quality": "typecheck, ruff_check, pytest_run",
    "files": "read_file, write_file, run_command",
}
MARKERS: tuple[tuple[str, str], ...] = (
    *((name, f"query category: {_CATEGORY_HELP[name]}.") for name in CATEGORIES),
    *((name, f"tool family: the query expects a call of {_FAMILY_HELP[name]}.") for name in FAMILIES),
    ("none", "tool family: the query expects no tool call (prose answers)."),
    ("data", "data-contract test: reads data files only, never loads a model."),
    ("slow", "slow test: builds or loads a real model."),
)


@dataclass
class RunState:
    """Run-wide state, kept in ``config.stash`` (one per pytest process)."""

    options: opts.RunOptions
    suite: QuerySuite
    floors: dict[str, float]
    started_at: str
    started: float
    seen: dict[str, str | None] = field(default_factory=dict)  # query id -> error text of a report without record
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # xdist worker -> generation facts
    gate: GateResult | None = None
    lines: list[str] = field(default_factory=list)  # end-of-run lines after the table (results, baseline)


STATE = pytest.StashKey[RunState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("punie", "punie-eval: evaluate a tool-calling model on the query suite")
    add = group.addoption
    add("--model", metavar="PATH", help=f"model directory (env {ENV_MODEL}, ini {INI_MODEL}; default: reference model)")
    add("--queries", metavar="FILE", help=f"query suite JSON (env {ENV_QUERIES}; default: data/queries.json)")
    add("--max-tokens", metavar="N", default=str(opts.DEFAULT_MAX_TOKENS), help="new tokens per turn (default 512)")
    add("--results", metavar="FILE", help="write the run's results JSON to FILE (atomically)")
    add("--backend", default="mlx", metavar="NAME", help="mlx (in-process), openai (HTTP server) or replay")
    add("--base-url", metavar="URL", help="OpenAI-compatible server for --backend openai")
    add("--replay", metavar="FILE", help="recorded responses (JSONL or results file) for --backend replay")
    add("--cache-dir", metavar="DIR", default=opts.DEFAULT_CACHE_DIR, help="generation cache (default .punie-cache)")
    add("--no-cache", action="store_true", help="neither read nor write the generation cache")
    add("--gate", action="store_true", help="failing queries xfail; exit status = the gate's verdict")
    add("--min-strict", metavar="X", default=str(opts.DEFAULT_MIN_STRICT), help="gate: overall strict (default 0.80)")
    add("--floor", metavar="CATEGORY=X", action="append", default=[], help="gate: override a category floor")
    add("--baseline", metavar="FILE", help="compare this run with a baseline results file at the end")
    parser.addini(INI_MODEL, "default model directory (like --model)", default=None)
    parser.addini(INI_QUERIES, "default query suite file (like --queries)", default=None)


def _run_state(config: pytest.Config) -> RunState:
    getoption = config.getoption
    options = opts.build_options(
        model=opts.resolve(getoption("model"), os.environ, ENV_MODEL, config.getini(INI_MODEL), INI_MODEL),
        queries=opts.resolve(getoption("queries"), os.environ, ENV_QUERIES, config.getini(INI_QUERIES), INI_QUERIES),
        max_tokens=getoption("max_tokens"),
        results=getoption("results"),
        backend=getoption("backend"),
        base_url=getoption("base_url"),
        replay=getoption("replay"),
        cache_dir=getoption("cache_dir"),
        no_cache=getoption("no_cache"),
        gate=getoption("gate"),
        min_strict=getoption("min_strict"),
        floors=getoption("floor"),
        baseline=getoption("baseline"),
    )
    suite = load_suite(options.queries)
    floors = {name: spec.floor for name, spec in suite.categories.items()}
    floors.update(opts.floor_pairs("--floor", options.floor_overrides, list(suite.categories)))
    return RunState(options, suite, floors, datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic())


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS:
        config.addinivalue_line("markers", f"{name}: {description}")
    try:
        state = _run_state(config)
    except PunieEvalError as err:
        raise pytest.UsageError(str(err)) from None
    for name in state.suite.categories:
        if name not in CATEGORIES:
            config.addinivalue_line("markers", f"{name}: query category from {state.suite.path.name}.")
    config.stash[STATE] = state
    config.pluginmanager.register(RunReport(config), "punie-run-report")


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    o, suite = state.options, state.suite
    model = f"replay {o.replay}" if o.backend == "replay" else f"{o.model} (hash {_model_hash(o)})"
    blas = "n/a"
    if o.backend == "mlx":
        from punie_eval.generation.blas import load_fast_blas  # before anything imports mlx

        blas = load_fast_blas()
    return [
        f"punie-eval: model {model}, backend {o.backend}, blas {blas}",
        f"punie-eval: suite {suite.name} ({suite.fingerprint[:12]}), {len(suite.queries)} queries from {suite.path}",
    ]


def _model_hash(o: opts.RunOptions) -> str:
    from punie_eval.generation.fingerprint import fingerprint

    try:
        return fingerprint(o.model, o.cache_dir)[:12]
    except PunieEvalError as err:
        return f"unavailable: {err}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "punie_query" not in metafunc.fixturenames:
        return
    suite = metafunc.config.stash[STATE].suite
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
    return pytestconfig.stash[STATE].suite


@pytest.fixture(scope="session")
def punie_registry() -> ToolRegistry:
    """The typed tools and their result schemas."""
    return load_registry()


@pytest.fixture(scope="session")
def punie_responses(
    request: pytest.FixtureRequest, punie_suite: QuerySuite, punie_registry: ToolRegistry
) -> SessionResponses:
    """Every selected query's responses, generated once per run (cached; one model load at most)."""
    from punie_eval.generation.engine import collect_responses

    o = request.config.stash[STATE].options
    selected = [q for item in request.session.items if (q := _query_of(item)) is not None]
    try:  # the failure is reported outside the except block: one line, no "during handling" chain
        return collect_responses(
            suite=punie_suite,
            queries=selected,
            backend=o.backend,
            model=o.model if o.backend == "mlx" or o.model_explicit else None,
            base_url=o.base_url,
            replay=o.replay,
            max_tokens=o.max_tokens,
            cache_dir=o.cache_dir,
            registry=punie_registry,
            progress=_progress_writer(request.config),
        )
    except PunieEvalError as err:
        failure = f"generation failed: {err}"
    pytest.fail(failure, pytrace=False)


def _progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """Progress lines that bypass output capture, so they reach CI logs (also from xdist workers)."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    return write


def _session_facts(responses: SessionResponses) -> dict[str, Any]:
    identity = responses.identity
    return {
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "model": {"path": identity.model_path, "name": identity.name, "hash": identity.content_hash},
        "backend": identity.backend,
        "blas": identity.blas,
        "model_loads": responses.model_loads,
        "generation_s": round(responses.generation_s, 3),
    }


@pytest.fixture
def punie_score(
    request: pytest.FixtureRequest,
    punie_query: Query,
    punie_responses: SessionResponses,
    punie_registry: ToolRegistry,
) -> QueryScore:
    """The query's score; its JSON record is attached to the test's reports for the summary."""
    from punie_eval.reporting.results import query_record
    from punie_eval.scoring.layers import score_query

    responses = punie_responses.responses.get(punie_query.id)
    if not responses:
        pytest.fail(f"{punie_query.id}: the backend returned no response for this query", pytrace=False)
    score = score_query(punie_query, responses, punie_registry)
    request.node.user_properties.append((RECORD_PROPERTY, query_record(punie_query, score)))
    request.node.user_properties.append((SESSION_PROPERTY, _session_facts(punie_responses)))
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
    if item.config.stash[STATE].options.gate:
        report.outcome = "skipped"
        report.wasxfail = f"strict: {reason}"
    return report


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


class RunReport:
    """Gathers every query's record (here or from xdist workers) and reports at the end of the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @property
    def state(self) -> RunState:
        return self.config.stash[STATE]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if _is_worker(self.config):
            return
        props = dict(report.user_properties)
        qid = props.get(QUERY_PROPERTY)
        if not isinstance(qid, str):
            return
        state = self.state
        if RECORD_PROPERTY in props:
            state.records[qid] = cast("dict[str, Any]", props[RECORD_PROPERTY])
        if SESSION_PROPERTY in props:
            facts = cast("dict[str, Any]", props[SESSION_PROPERTY])
            state.sessions[str(facts.get("worker"))] = facts
        if report.failed and qid not in state.records:
            state.seen[qid] = _first_line(report.longreprtext) or f"{report.when} failed"
        else:
            state.seen.setdefault(qid, None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if _is_worker(self.config) or not self.state.seen:
            return
        from punie_eval.reporting import summary

        state, o = self.state, self.state.options
        records = self._records()
        table = summary.tally(records, state.suite.categories, state.floors)
        if o.gate:
            state.gate = evaluate_gate(table.strict_by_category(), min_strict=o.min_strict, floors=state.floors)
            if not state.gate.passed and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        state.lines = summary.summary_lines(table, o.min_strict, state.gate)
        if o.results is None and o.baseline is None:
            return
        document = self._document(records, summary.summary_document(table, state.gate))
        if o.results is not None and exitstatus == pytest.ExitCode.INTERRUPTED:
            state.lines.append(f"results not written: the run was interrupted ({o.results} left as it was)")
        elif o.results is not None:
            from punie_eval.reporting.results import write_results

            write_results(o.results, document)
            state.lines.append(f"results written to {o.results}")
        if o.baseline is not None and not self._compare(document) and exitstatus in (0, 1):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _records(self) -> list[dict[str, Any]]:
        from punie_eval.reporting.results import query_record

        state = self.state
        out = []
        for query in state.suite.queries:  # suite order, whatever order the reports came in
            if query.id in state.seen:
                record = state.records.get(query.id)
                out.append(record if record is not None else query_record(query, None, state.seen[query.id]))
        return out

    def _document(self, records: list[dict[str, Any]], summary_doc: Mapping[str, Any]) -> dict[str, Any]:
        from punie_eval.reporting.results import build_results, run_metadata

        state, o = self.state, self.state.options
        facts = list(state.sessions.values())
        first = facts[0] if facts else {}
        default_model = {"path": str(o.model) if o.backend == "mlx" or o.model_explicit else None}
        from punie_eval.scoring.layers import SCORER_VERSION

        metadata = run_metadata(
            model=first.get("model", default_model),
            backend=o.backend,
            blas=first.get("blas"),
            max_tokens=o.max_tokens,
            scorer_version=SCORER_VERSION,
            suite=state.suite,
            started_at=state.started_at,
            generation_s=sum(f["generation_s"] for f in facts) if facts else None,
            total_s=time.monotonic() - state.started,
            model_loads=sum(f["model_loads"] for f in facts) if facts else None,
        )
        return build_results(records, metadata, summary_doc)

    def _compare(self, document: Mapping[str, Any]) -> bool:
        """Compare with --baseline; add the verdict lines; False when the candidate is rejected."""
        from punie_eval.reporting.compare import Verdict, compare_with_baseline

        o = self.state.options
        assert o.baseline is not None
        try:
            result = compare_with_baseline(o.baseline, document, min_strict=o.min_strict, floors=self.state.floors)
        except PunieEvalError as err:
            self.state.lines.append(f"baseline {o.baseline}: cannot compare: {err}")
            return False
        self.state.lines.append(f"baseline {o.baseline}: {result.verdict.name}")
        self.state.lines.extend(f"  {reason}" for reason in result.reasons)
        return result.verdict is not Verdict.REJECT

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if _is_worker(self.config) or not self.state.lines:
            return
        terminalreporter.section("punie-eval summary")
        for line in self.state.lines:
            terminalreporter.line(line)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
