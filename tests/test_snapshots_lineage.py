"""``--snapshot-lineage``: which folder under snapshots/ a run compares against."""

from __future__ import annotations

import json

import pytest
from punie_pytester import plugin_args
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


def test_snapshots_lineage_update_refuses_another_models_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--snapshot-update into a lineage recorded by another model stops the run with one line, writing nothing."""
    snapshot_project(pytester, monkeypatch)
    folder = pytester.path / "snapshots" / "ref"
    folder.mkdir(parents=True)
    (folder / "LINEAGE.json").write_text(json.dumps({"model": {"name": "other", "hash": "b" * 64}}))
    results = pytester.path / "results.json"
    run(pytester, "--results", str(results), "-k", "frozen", lineage="x")  # a results file to replay, with a hash
    document = json.loads(results.read_text())
    document["metadata"]["model"] = {"name": "m", "path": None, "hash": "a" * 64}
    results.write_text(json.dumps(document))
    result = pytester.runpytest_subprocess(
        *plugin_args(), "-p", "no:cacheprovider", "--queries", "suite.json", "--backend", "replay",
        "--replay", str(results), "--no-cache", "--snapshot-lineage", "ref", "--snapshot-update", "-k", "frozen",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*--snapshot-update: snapshots/ref holds the snapshots of model bbbbbbbbbbbb, "
                                 "not of this model (aaaaaaaaaaaa); pass another --snapshot-lineage*"])  # fmt: skip
    assert not list(folder.glob("*/*.yaml"))
