"""Markers: every category and tool family registered from one list, unknown markers rejected."""

from __future__ import annotations

import pytest
from punie_pytester import run, setup_project

from punie_eval.plugin import markers
from punie_eval.queries import load_suite

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


def test_plugin_markers_listed_with_descriptions(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pytest --markers` documents the 7 categories (from the suite file), the 5 families, data and slow."""
    setup_project(pytester, monkeypatch)
    result = run(pytester, "--markers")
    assert result.ret == 0
    listed = markers(load_suite())
    result.stdout.fnmatch_lines_random([f"@pytest.mark.{name}: {description}*" for name, description in listed])
    result.stdout.fnmatch_lines(
        ["@pytest.mark.direct_answers: query category: Conceptual questions answered in prose*"]
    )
    result.stdout.fnmatch_lines(
        ["@pytest.mark.git: tool family: the query expects a call of git_status, git_diff, git_log*"]
    )
    assert {name for name, _ in listed} == {
        "direct_answers", "single_tool", "tool_identity", "field_access", "cross_tool", "edge_cases",
        "multi_turn", "git", "lsp", "quality", "files", "none", "data", "slow",
    }  # fmt: skip


@pytest.mark.parametrize(("marker", "ret"), [("lsp", 0), ("lps", 2)], ids=["registered", "typo"])
def test_plugin_markers_strict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, marker: str, ret: int
) -> None:
    """A registered marker is accepted; an unknown one is a collection error (strict markers)."""
    setup_project(pytester, monkeypatch)
    pytester.makepyfile(
        test_marked=f"import pytest\n\n@pytest.mark.{marker}\ndef test_x():\n    pass\n",
    )
    result = run(pytester, "test_marked.py")
    assert result.ret == ret
    if ret:
        result.stdout.fnmatch_lines([f"*'{marker}' not found in `markers` configuration option*"])
