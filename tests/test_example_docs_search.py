"""The docs-search example: a second registry (3 tools) with its own suite, replayed responses and data.

Everything that knows tools reads the suite's registry: suite validation, scoring, the data
contracts, audit, clean, compare's explanations; the pytest runs are slow tests in a subprocess.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from punie_pytester import call
from reliability import REPO, run_evals

from punie_eval.cli import main
from punie_eval.errors import QuerySuiteError
from punie_eval.evaluation.evaluate import evaluate, score_response
from punie_eval.evaluation.target import RunTarget
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry
from punie_eval.reporting.compare import compare
from punie_eval.reporting.rendering import to_text
from punie_eval.training.contracts import check_files
from punie_eval.training.leakage import LeakIndex

EXAMPLE = REPO / "examples" / "docs-search"
QUERIES, TOOLS, RESPONSES, DATA = (EXAMPLE / n for n in ("queries.json", "tools", "responses.jsonl", "data"))
SUITE = load_suite(QUERIES)


def test_example_suite_reads_the_registry_it_names() -> None:
    """The suite file's "registry": "tools" is its folder's tools/, and query families come from it."""
    assert (SUITE.registry.name, SUITE.registry.root, len(SUITE.queries)) == ("docs-search", TOOLS, 10)
    families = {q.id: q.families for q in SUITE.queries}
    assert (families["st_search_install"], families["ct_search_and_versions"], families["da_stemming"]) == (
        ("search",),
        ("pages", "search"),
        ("none",),
    )


def test_example_suite_fingerprint_covers_the_registry(tmp_path: Path) -> None:
    """Changing a result schema beside an unchanged suite file changes the suite's fingerprint."""
    shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("__pycache__"))
    copied = tmp_path / "example"
    assert load_suite(copied / "queries.json").fingerprint == SUITE.fingerprint
    hit = copied / "tools" / "results" / "DocHit.json"
    schema = json.loads(hit.read_text(encoding="utf-8"))
    schema["properties"]["url"] = {"type": "string"}
    hit.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    assert load_suite(copied / "queries.json").fingerprint != SUITE.fingerprint


def test_example_suite_refuses_a_bundled_tool(tmp_path: Path) -> None:
    """Under the docs-search registry a query naming git_status is refused, naming file, line and field."""
    raw = json.loads(QUERIES.read_text(encoding="utf-8"))
    raw["registry"] = str(TOOLS)
    raw["queries"][2]["tools"] = ["git_status"]
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    with pytest.raises(
        QuerySuiteError, match=r"queries\.json:\d+: queries\[2\]\.tools must name known tools, got 'git_status'"
    ):
        load_suite(path)


def test_example_suite_missing_registry_folder_is_one_line(tmp_path: Path) -> None:
    """A suite naming a registry folder that does not exist is refused with the key's line."""
    raw = json.loads(QUERIES.read_text(encoding="utf-8"))
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    with pytest.raises(QuerySuiteError, match=r"queries\.json:5: registry must be a tool registry folder relative"):
        load_suite(path)


def test_example_replay_passes_strict() -> None:
    """The recorded responses pass every layer under the example's registry."""
    result = evaluate(SUITE, RunTarget("replay", replay=RESPONSES), progress=None)
    assert [r.id for r in result.records if not r.strict] == []
    assert result.metadata["suite"]["tools"]["name"] == "docs-search"


@pytest.mark.parametrize(
    ("query", "code", "failure"),
    [
        (
            "fa_hit_titles",
            'r = search_docs("configuration")\nfor h in r.hits:\n    print(h.name, h.score)',
            "turn 1 fields: DocHit has no field 'name'",
        ),
        (
            "fa_latest_version",
            'r = list_versions("punie")\nprint(r.latest())',
            "turn 1 fields: VersionList.latest is a string; calling it fails",
        ),
        (
            "st_search_install",
            "r = search_docs()\nprint(r.total)",
            "turn 1 arguments: search_docs called with 0 of 2 arguments; missing query",
        ),
        ("st_get_page", 'print(git_status("."))', "turn 1 identity: expected get_page, got git_status('.')"),
        (
            "st_list_versions",
            "r = list_versions(5)\nprint(r.latest)",
            "turn 1 arguments: list_versions(product=...) must be string",
        ),
    ],
    ids=["invented_field", "called_field", "missing_argument", "bundled_tool", "argument_type"],
)
def test_example_scoring_uses_the_registry(query: str, code: str, failure: str) -> None:
    """Fields, called fields, arguments and identity are judged against the docs-search tools."""
    record = score_response(query, call(code), suite=SUITE)
    assert not record.strict
    assert (record.failure or "").startswith(failure), record.failure


def test_example_training_data_keeps_every_contract() -> None:
    """The example's training JSONL keeps all contracts under its suite and registry."""
    files = sorted(DATA.glob("*.jsonl"))
    found = check_files(files, SUITE.registry, system_prompt=SUITE.system_prompt, leak_index=LeakIndex.of_suite(SUITE))
    assert [str(v) for v in found] == []


def test_example_training_data_breaks_contracts_under_the_bundled_tools() -> None:
    """The same data under the bundled registry calls unknown tools: the contracts read the registry given."""
    found = check_files(sorted(DATA.glob("*.jsonl")), load_registry(), system_prompt=SUITE.system_prompt)
    assert {v.contract for v in found} == {"tools"}


def test_example_audit_and_clean_take_the_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """audit (through --queries) and clean (through --tools) pass the example's data unchanged."""
    assert main(["audit", str(DATA / "train.jsonl"), "--queries", str(QUERIES)]) == 0
    assert "search_docs" in capsys.readouterr().out
    assert main(["clean", str(DATA), str(tmp_path / "out"), "--tools", str(TOOLS)]) == 0
    cleaned = (tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8")
    assert cleaned == (DATA / "train.jsonl").read_text(encoding="utf-8")


def test_example_compare_explains_flips_with_registry_fields(tmp_path: Path) -> None:
    """compare's flip list explains a regression in the example's own terms (a DocHit field)."""
    baseline = evaluate(SUITE, RunTarget("replay", replay=RESPONSES), progress=None)
    lines = RESPONSES.read_text(encoding="utf-8").splitlines()
    broken = [json.loads(line) for line in lines]
    hits = next(r for r in broken if r["id"] == "fa_hit_titles")
    hits["responses"] = [call('r = search_docs("configuration")\nfor h in r.hits:\n    print(h.name, h.score)')]
    replay = tmp_path / "candidate.jsonl"
    replay.write_text("".join(json.dumps(r) + "\n" for r in broken), encoding="utf-8")
    candidate = evaluate(SUITE, RunTarget("replay", replay=replay), progress=None)
    text = to_text(compare(baseline, candidate))
    assert "pass→fail  fa_hit_titles (field_access): now fails: turn 1 fields: DocHit has no field 'name'" in text


@pytest.mark.slow  # runs pytest in a subprocess
def test_example_pytest_evals_replay_passes(tmp_path: Path) -> None:
    """`pytest evals/ --tools … --queries … --backend replay --replay …` passes the example's 10 queries."""
    result = run_evals(
        tmp_path,
        "--tools", TOOLS, "--queries", QUERIES, "--backend", "replay", "--replay", RESPONSES,
        "--cache-dir", tmp_path / "cache",
        module=REPO / "evals",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "punie-eval: tools docs-search (" in result.stdout
    assert "10 passed" in result.stdout
    assert "overall         10/10 (100.0%)  10/10 (100.0%)" in result.stdout


@pytest.mark.slow  # runs pytest in a subprocess
def test_example_pytest_evals_data_contracts_pass(tmp_path: Path) -> None:
    """`pytest evals/ -m data --tools … --queries … --data …` keeps all 12 contracts on the example's data."""
    result = run_evals(
        tmp_path, "-m", "data", "--tools", TOOLS, "--queries", QUERIES, "--data", DATA, module=REPO / "evals"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "12 passed" in result.stdout


@pytest.mark.parametrize(
    ("flag", "code", "layer", "reason"),
    [
        (
            "fallback",
            'r = search_docs("installation")\nprint(r.total, list_versions("punie").latest)',
            "identity",
            "expected search_docs, got list_versions('punie') (untyped fallback)",
        ),
        ("side_effect", 'r = search_docs("installation")\nlist_versions("punie")\nprint(r.total)', "output", None),
    ],
    ids=["fallback", "side_effect"],
)
def test_example_registry_flags_drive_identity_and_output(
    tmp_path: Path, flag: str, code: str, layer: str, reason: str | None
) -> None:
    """A tool marked fallback fails identity where another is expected; one marked side_effect may be dropped."""
    before = score_response("st_search_install", call(code), suite=SUITE)
    copy = Path(shutil.copytree(TOOLS, tmp_path / "tools"))
    manifest = json.loads((copy / "tools.json").read_text(encoding="utf-8"))
    manifest["tools"][2][flag] = True  # list_versions
    (copy / "tools.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    after = score_response("st_search_install", call(code), suite=load_suite(QUERIES, load_registry(copy)))
    verdicts = [{x.name: (x.passed, x.reason) for x in r.turns[0].layers}[layer] for r in (before, after)]
    if reason is None:  # the dropped result of list_versions fails output until it is a side effect
        assert (verdicts[0][0], verdicts[1][0]) == (False, True), verdicts
    else:
        assert verdicts == [(True, "called search_docs"), (False, reason)]


def test_example_diagnose_takes_the_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """punie-eval diagnose --tools judges tool calls and field reads against the registry given."""
    response = tmp_path / "response.txt"
    response.write_text(call('r = search_docs("cache")\nprint(r.hits[0].url)'), encoding="utf-8")
    assert main(["diagnose", str(response), "--tools", str(TOOLS)]) == 0
    out = capsys.readouterr().out
    assert "tool search_docs(query='cache') line 1" in out
    assert "field search_docs(…).hits.url on DocHit: INVALID (line 2)" in out
    assert main(["diagnose", str(response)]) == 0
    assert "tool search_docs($0='cache') line 1 UNKNOWN TOOL" in capsys.readouterr().out  # bundled: no such tool
