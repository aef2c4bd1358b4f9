"""The plugin stays out of projects that do not opt in: no header, cache folder, BLAS preload or markers."""

from __future__ import annotations

import pytest
from punie_pytester import INI, OPT_IN_CONFTEST, REPO, plugin_args

pytestmark = pytest.mark.slow  # runs pytest in a subprocess

pytest_plugins = ["pytester"]


def _project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    for name in ("PUNIE_MODEL", "PUNIE_QUERIES", "PUNIE_ADAPTER", "PUNIE_SYSTEM_PROMPT", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".ini", pytest=INI)
    pytester.makepyfile(test_other="def test_other():\n    assert 1 + 1 == 2\n")


def test_plugin_opt_in_unrelated_project_is_left_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's own one-line test: no punie header or summary, no .punie-cache, no punie markers."""
    _project(pytester, monkeypatch)
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    assert result.ret == 0
    assert "punie-eval:" not in result.stdout.str()  # no header (the plugin list still names punie-eval)
    assert "punie-eval summary" not in result.stdout.str()
    assert not (pytester.path / ".punie-cache").exists()
    markers = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "--markers")
    assert "@pytest.mark.git:" not in markers.stdout.str()
    assert "@pytest.mark.direct_answers:" not in markers.stdout.str()


@pytest.mark.parametrize(
    ("how", "args"),
    [("conftest", []), ("option", ["--backend", "mlx", "--max-tokens", "8"])],
    ids=["conftest-opt-in", "punie-option"],
)
def test_plugin_opt_in_by_conftest_or_option(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str, args: list[str]
) -> None:
    """A conftest.py with PUNIE_EVALS = True, or a punie option on the command line, turns the plugin on."""
    _project(pytester, monkeypatch)
    if how == "conftest":
        pytester.makeconftest(OPT_IN_CONFTEST)
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "--collect-only", *args)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["punie-eval: suite punie-57 *"])
