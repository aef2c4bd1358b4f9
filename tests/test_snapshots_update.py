"""``--snapshot-update``: writes one readable file per query, rewrites changed ones, reports what flipped."""

from __future__ import annotations

import pytest
from punie_pytester import call
from snapshot_pytester import GOOD, accepted, path_of, replay, run, snapshot_files, snapshot_project

pytestmark = pytest.mark.slow  # builds or loads a model, or runs pytest or a server

pytest_plugins = ["pytester"]


def test_snapshots_update_writes_one_file_per_query(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each query gets snapshots/<lineage>/<category>/<id>.yaml; nothing lands in __snapshots__."""
    snapshot_project(pytester, monkeypatch)
    files = accepted(pytester)
    assert sorted(files) == sorted(
        path_of(c, q).as_posix()
        for c, q in [
            ("direct_answers", "frozen"),
            ("single_tool", "status"),
            ("single_tool", "types"),
            ("field_access", "errors"),
        ]
    )
    assert not list(pytester.path.rglob("__snapshots__"))


def test_snapshots_update_is_deterministic(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second update from the same responses leaves every byte as it was, and a plain run passes."""
    snapshot_project(pytester, monkeypatch)
    first = accepted(pytester)
    assert (accepted(pytester), run(pytester).ret) == (first, 0)


def test_snapshots_update_rewrites_changed_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed generation is written with --snapshot-update, only its file changes, and the run passes."""
    snapshot_project(pytester, monkeypatch)
    before = accepted(pytester)
    replay(pytester, {**GOOD, "errors": [call('result = typecheck("src/")\nprint(result.warning_count)')]})
    result = run(pytester, "--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["field_access: 1 of 1 updated", "  strict pass→fail: errors"])
    after = snapshot_files(pytester)
    changed = sorted(path for path in before if before[path] != after[path])
    assert (changed, "print(result.warning_count)" in after[changed[0]]) == (
        [path_of("field_access", "errors").as_posix()],
        True,
    )


def test_snapshots_update_record_content(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file holds verdicts, diagnosis, layers, normalised code beside the raw code, tools and fields."""
    snapshot_project(pytester, monkeypatch)
    text = accepted(pytester)[path_of("field_access", "errors").as_posix()]
    for expected in [
        "query: errors\ncategory: field_access\nsoft: pass\nstrict: pass\nfailure: null\n",
        "    diagnosis: ok\n",
        "      - code: |-\n          result = typecheck('src/')\n          print(result.error_count)\n",
        '        raw: |-\n          result = typecheck("src/")\n',
        "      - \"typecheck(path='src/')  [1 positional]\"\n",
        '      - "typecheck → error_count (TypeCheckResult.error_count): valid"\n',
    ]:
        assert expected in text
