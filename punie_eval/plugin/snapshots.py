"""The snapshot half of the pytest plugin: ``--snapshot-lineage``, the ``punie_snapshot`` fixture,
and the end-of-run review summary of changed snapshots, grouped by category.

Loaded by ``punie_eval.plugin`` (``pytest_plugins``); it reads the resolved run options from
:mod:`punie_eval.plugin.state` and keeps its own state (lineage, outcomes). Each snapshot test records what happened
to its file in ``user_properties`` of its teardown report; reports travel from pytest-xdist
workers to the controller, so the summary sees every worker's tests.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest
from syrupy.assertion import SnapshotAssertion

from punie_eval.errors import UsageError
from punie_eval.options import resolve
from punie_eval.plugin.state import STATE
from punie_eval.queries import CATEGORIES, Query
from punie_eval.snapshots.extension import (
    SNAPSHOTS_DIRNAME,
    QuerySnapshotExtension,
    check_lineage,
    obsolete_snapshots,
    snapshot_path,
)
from punie_eval.snapshots.lineage import claim, default_lineage, foreign_owner, has_snapshots
from punie_eval.snapshots.record import verdicts

if TYPE_CHECKING:
    from punie_eval.evaluation.result import RunResult

PROPERTY = "punie_snapshot"
ENV_LINEAGE = "PUNIE_SNAPSHOT_LINEAGE"
INI_LINEAGE = "punie_snapshot_lineage"
_lineage_key = pytest.StashKey[str | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("punie")
    group.addoption(
        "--snapshot-lineage",
        metavar="NAME",
        default=None,
        help=f"folder under {SNAPSHOTS_DIRNAME}/ for this model's snapshots (default: the model directory's name)",
    )
    parser.addini(INI_LINEAGE, f"default for --snapshot-lineage (env {ENV_LINEAGE})", default=None)


def pytest_configure(config: pytest.Config) -> None:
    setting = resolve(
        config.getoption("snapshot_lineage"), os.environ, ENV_LINEAGE, config.getini(INI_LINEAGE), INI_LINEAGE
    )
    try:
        config.stash[_lineage_key] = check_lineage(setting.value) if setting.value is not None else None
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    config.pluginmanager.register(SnapshotReview(config), "punie-snapshot-review")


@pytest.fixture(scope="session")
def punie_snapshot_lineage(request: pytest.FixtureRequest, punie_run: RunResult) -> str:
    """The folder under ``snapshots/`` this run compares against (default: named from the model's identity).

    Under --snapshot-update it must not belong to another model: the run stops with one line.
    """
    explicit = request.config.stash[_lineage_key]
    model = punie_run.metadata.get("model") or {}
    lineage = explicit if explicit is not None else default_lineage(model)
    folder = request.config.rootpath / SNAPSHOTS_DIRNAME / lineage
    if request.config.getoption("update_snapshots", False):
        other = foreign_owner(folder, model)
        if other is not None:
            pytest.exit(
                f"--snapshot-update: {SNAPSHOTS_DIRNAME}/{lineage} holds the snapshots of model {other[:12]}, "
                f"not of this model ({str(model.get('hash'))[:12]}); pass another --snapshot-lineage",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
        claim(folder, model)
    return lineage


@pytest.fixture
def punie_snapshot(
    snapshot: SnapshotAssertion,
    punie_query: Query,
    punie_snapshot_lineage: str,
    punie_run: RunResult,
    request: pytest.FixtureRequest,
) -> Iterator[SnapshotAssertion]:
    """Syrupy's ``snapshot``, bound to ``snapshots/<lineage>/<category>/<query id>.yaml``.

    A lineage with no snapshots at all (a model's first run) skips, and so does a sampled run
    (snapshots record greedy answers): the review prints one line for each.
    """
    root = request.config.rootpath
    folder = root / SNAPSHOTS_DIRNAME / punie_snapshot_lineage
    skipped = {"query": punie_query.id, "category": punie_query.category, "lineage": punie_snapshot_lineage}
    temperature = (punie_run.metadata.get("decoding") or {}).get("temperature") or 0
    if temperature > 0:
        request.node.user_properties.append((PROPERTY, {**skipped, "status": "sampled", "old": {}, "new": {}}))
        pytest.skip(f"snapshots record greedy answers; this run samples at temperature {temperature}")
    if not request.config.getoption("update_snapshots", False) and not has_snapshots(folder):
        request.node.user_properties.append((PROPERTY, {**skipped, "status": "unrecorded", "old": {}, "new": {}}))
        pytest.skip(f"no snapshots recorded for {SNAPSHOTS_DIRNAME}/{punie_snapshot_lineage} yet")
    location = snapshot_path(root / SNAPSHOTS_DIRNAME, punie_snapshot_lineage, punie_query.category, punie_query.id)
    assertion = snapshot.use_extension(QuerySnapshotExtension.bind(location))
    yield assertion
    entry = outcome_entry(assertion, punie_query, punie_snapshot_lineage, location.relative_to(root).as_posix())
    if entry is not None:
        request.node.user_properties.append((PROPERTY, entry))


def outcome_entry(assertion: SnapshotAssertion, query: Query, lineage: str, path: str) -> dict[str, Any] | None:
    """What happened to the query's snapshot file, JSON-ready (it crosses from xdist workers)."""
    if not assertion.executions:
        return None
    result = assertion.executions[0]
    old = str(result.recalled_data) if result.recalled_data is not None else None
    new = str(result.asserted_data) if result.asserted_data is not None else None
    if result.exception is not None:
        status = "error"
    elif old is None:
        status = "created" if result.success else "missing"
    elif result.updated:
        status = "updated"
    else:
        status = "same" if result.success else "changed"
    return {
        "query": query.id,
        "category": query.category,
        "lineage": lineage,
        "path": path,
        "status": status,
        "old": verdicts(old) if old is not None else {},
        "new": verdicts(new) if new is not None else {},
    }


def flips(entries: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Verdict flips, worst first: (``"strict pass→fail"``, [query ids]) for each non-empty kind."""
    order = [("strict", True), ("soft", True), ("strict", False), ("soft", False)]
    out = []
    for verdict, was_pass in order:
        ids = sorted(
            e["query"]
            for e in entries
            if verdict in e["old"] and verdict in e["new"] and e["old"][verdict] == was_pass != e["new"][verdict]
        )
        if ids:
            arrow = "pass→fail" if was_pass else "fail→pass"
            out.append((f"{verdict} {arrow}", ids))
    return out


def summary_lines(entries: list[dict[str, Any]], updating: bool) -> list[str]:
    """One block per category with a changed snapshot: counts, flips worst first, new files."""
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_category[entry["category"]].append(entry)
    ranked = sorted(by_category, key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES), c))
    lines: list[str] = []
    for category in ranked:
        ran = by_category[category]
        changed = [e for e in ran if e["status"] in ("changed", "updated")]
        created = sorted(e["query"] for e in ran if e["status"] in ("created", "missing"))
        errors = sorted(e["query"] for e in ran if e["status"] == "error")
        if not (changed or created or errors):
            continue
        parts = [f"{len(changed)} of {len(ran)} {'updated' if updating else 'changed'}"] if changed else []
        if created:
            parts.append(f"{len(created)} {'written' if updating else 'without a snapshot'}")
        if errors:
            parts.append(f"{len(errors)} error")
        lines.append(f"{category}: {', '.join(parts)}")
        for kind, ids in flips(changed):
            lines.append(f"  {kind}: {', '.join(ids)}")
        steady = sorted(e["query"] for e in changed if e["old"] == e["new"])
        if steady:
            lines.append(f"  same verdicts: {', '.join(steady)}")
        if created:
            lines.append(f"  new: {', '.join(created)}")
        if errors:
            lines.append(f"  error: {', '.join(errors)}")
    return lines


class SnapshotReview:
    """Collects every snapshot test's outcome (from this process or xdist workers) and prints the review."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.entries: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.entries += [cast("dict[str, Any]", v) for name, v in report.user_properties if name == PROPERTY]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        unrecorded = [e for e in self.entries if e["status"] == "unrecorded"]
        for lineage in sorted({e["lineage"] for e in unrecorded}):
            n = sum(e["lineage"] == lineage for e in unrecorded)
            terminalreporter.line(
                f"punie snapshots: {SNAPSHOTS_DIRNAME}/{lineage}/ has no snapshots yet: {n} snapshot test(s) skipped; "
                "record them with --snapshot-update, then review and commit them"
            )
        sampled = sum(e["status"] == "sampled" for e in self.entries)
        if sampled:
            terminalreporter.line(
                f"punie snapshots: {sampled} snapshot test(s) skipped: snapshots record greedy answers and this run "
                "samples (--temperature > 0)"
            )
        entries = sorted(
            (e for e in self.entries if e["status"] not in ("unrecorded", "sampled")),
            key=lambda e: (e["category"], e["query"]),
        )
        updating = bool(self.config.getoption("update_snapshots", False))
        lines = summary_lines(entries, updating)
        lineages = sorted({e["lineage"] for e in entries})
        obsolete = self.obsolete(lineages)
        if not (lines or obsolete):
            return
        terminalreporter.section(f"punie snapshots ({', '.join(f'{SNAPSHOTS_DIRNAME}/{name}' for name in lineages)})")
        if lines:
            changed = sum(e["status"] in ("changed", "updated") for e in entries)
            new = sum(e["status"] in ("created", "missing") for e in entries)
            terminalreporter.line(f"{changed} changed, {new} new, of {len(entries)} snapshot(s) compared")
        for line in lines:
            terminalreporter.line(line)
        for path in obsolete:
            terminalreporter.line(f"obsolete (no query of the suite writes it): {path}")
        if lines and not updating:
            terminalreporter.line(f"accept with --snapshot-update, then review with: git diff {SNAPSHOTS_DIRNAME}/")

    def obsolete(self, lineages: list[str]) -> list[str]:
        """Snapshot files of these lineages that no query of this run's suite writes (never deleted)."""
        if STATE not in self.config.stash:
            return []
        queries = self.config.stash[STATE].options.suite.queries
        root = self.config.rootpath
        expected = [(q.category, q.id) for q in queries]
        return [
            path.relative_to(root).as_posix()
            for lineage in lineages
            for path in obsolete_snapshots(root / SNAPSHOTS_DIRNAME, lineage, expected)
        ]
