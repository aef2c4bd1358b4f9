"""``--snapshot-lineage``: which folder under snapshots/ a run compares against."""

from __future__ import annotations

import pytest
from snapshot_pytester import path_of, run, snapshot_files, snapshot_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


def test_snapshots_lineage_option_names_the_folder(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """--snapshot-lineage NAME writes under snapshots/NAME/."""
    snapshot_project(pytester, monkeypatch)
    run(pytester, "--snapshot-update", "-k", "frozen", lineage="candidate-7")
    assert list(snapshot_files(pytester)) == [path_of("direct_answers", "frozen", "candidate-7").as_posix()]


def test_snapshots_lineage_defaults_to_model_name(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the option the lineage is the model's name (for a replay file, its stem)."""
    snapshot_project(pytester, monkeypatch)
    run(pytester, "--snapshot-update", "-k", "frozen", lineage=None)
    assert list(snapshot_files(pytester)) == [path_of("direct_answers", "frozen", "replay").as_posix()]


def test_snapshots_lineage_from_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """PUNIE_SNAPSHOT_LINEAGE sets the lineage when the option is absent."""
    snapshot_project(pytester, monkeypatch)
    monkeypatch.setenv("PUNIE_SNAPSHOT_LINEAGE", "from-env")
    run(pytester, "--snapshot-update", "-k", "frozen", lineage=None)
    assert list(snapshot_files(pytester)) == [path_of("direct_answers", "frozen", "from-env").as_posix()]


def test_snapshots_lineage_rejects_paths(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lineage that is not one folder name is a usage error in one line."""
    snapshot_project(pytester, monkeypatch)
    result = run(pytester, lineage="../elsewhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --snapshot-lineage must be a folder name*got '../elsewhere'"])
