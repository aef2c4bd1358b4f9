"""``--tools DIR`` (env PUNIE_TOOLS, ini punie_tools): which registry a run's suite is read with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reliability import REPO

from punie_eval.errors import QuerySuiteError, UsageError
from punie_eval.options import RunOptions, Setting, build_options

EXAMPLE = REPO / "examples" / "docs-search"
REPLAY = EXAMPLE / "responses.jsonl"


def _options(tools: Setting | None, queries: Path | None = None) -> RunOptions:
    return build_options(
        model=Setting(None, ""),
        queries=Setting(str(queries) if queries else None, ""),
        max_tokens=512,
        results=None,
        backend="replay",
        base_url=None,
        replay=str(REPLAY),
        cache_dir=".punie-cache",
        no_cache=True,
        gate=False,
        min_strict=0.8,
        floors=[],
        baseline=None,
        tools=tools,
    )


def test_options_tools_default_is_the_suite_registry() -> None:
    """Without --tools the bundled suite gets the bundled 14 tools, the example suite its own registry."""
    assert _options(None).suite.registry.name == "punie-14"
    assert _options(None, EXAMPLE / "queries.json").suite.registry.name == "docs-search"


def test_options_tools_overrides_the_suite_registry(tmp_path: Path) -> None:
    """--tools wins over the registry the suite names; the fingerprint follows the registry's content."""
    copy = Path(shutil.copytree(EXAMPLE / "tools", tmp_path / "tools"))
    (copy / "tools.json").write_text(
        (copy / "tools.json").read_text(encoding="utf-8").replace('"docs-search"', '"docs-search-copy"'),
        encoding="utf-8",
    )
    plain = _options(None, EXAMPLE / "queries.json").suite
    chosen = _options(Setting(str(copy), "PUNIE_TOOLS"), EXAMPLE / "queries.json").suite
    assert (chosen.registry.name, chosen.registry.root) == ("docs-search-copy", copy)
    assert chosen.fingerprint != plain.fingerprint


def test_options_tools_missing_folder_names_its_source() -> None:
    """A --tools folder that does not exist is one line naming where the value came from."""
    with pytest.raises(UsageError, match=r"^punie_tools: /nonexistent/tools does not exist$"):
        _options(Setting("/nonexistent/tools", "punie_tools"))


def test_options_tools_foreign_registry_refuses_the_bundled_suite() -> None:
    """The bundled suite under the docs-search tools names unknown tools: a suite error, one line."""
    with pytest.raises(QuerySuiteError, match=r"queries\.json:\d+: queries\[\d+\]\.tools must name known tools"):
        _options(Setting(str(EXAMPLE / "tools"), ""))
