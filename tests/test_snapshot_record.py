"""The snapshot record of a scored query, its YAML rendering and the extension's comparison."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
import yaml  # PyYAML comes with mlx-lm; used here only to prove the rendering is real YAML
from hypothesis import given
from hypothesis import strategies as st
from syrupy.data import Snapshot, SnapshotCollection

from punie_eval.errors import UsageError
from punie_eval.snapshots.extension import QuerySnapshotExtension, check_lineage, obsolete_snapshots, snapshot_path
from punie_eval.snapshots.lineage import default_lineage
from punie_eval.snapshots.record import (
    normalize_code,
    normalize_prose,
    render_record,
    semantic_text,
    snapshot_record,
    verdicts,
)
from punie_eval.types import CallSite, Diagnosis, FieldRead, Layer, QueryScore, Response, TurnScore

CALL = "<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


def score(
    code: str = 'r = typecheck("src/")\nprint(r.error_count)', *, line: int = 1, passed: bool = True
) -> QueryScore:
    turn = TurnScore(
        turn=1,
        response=Response(CALL.format(code=code), "stop", tokens=42),
        diagnosis=Diagnosis("ok", "one well-formed call", False),
        layers=(Layer("gate", True, "1 call"), Layer("fields", passed, "" if passed else "reads r.errors_total")),
        calls=(CallSite("typecheck", True, 1, (), {"path": "src/"}, line),),
        field_reads=(FieldRead("typecheck", "TypeCheckResult", "error_count", "error_count", True, line + 1),),
        codes=(code,),
    )
    return QueryScore("fa_typecheck_errors", "field_access", (turn,))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('x = typecheck("src/")', "x=typecheck( 'src/' )"),
        ("r = git_status()\nprint(r.clean)", "r = git_status()\n\n\nprint(r.clean)   "),
        ("if a:\n    f()", "if a:\n\tf()"),
    ],
    ids=["spacing-and-quotes", "blank-lines-and-trailing", "indent-width"],
)
def test_normalize_code_ignores_whitespace_churn(a: str, b: str) -> None:
    """Code that differs only in whitespace or quote style normalises to the same text."""
    assert normalize_code(a) == normalize_code(b)


def test_normalize_code_collapses_whitespace_when_it_does_not_parse() -> None:
    """Unparsable code keeps its lines, with runs of whitespace collapsed and blank lines dropped."""
    assert normalize_code("r = typecheck(  'src/'\n\n   print(r.x  )") == ("r = typecheck( 'src/'\nprint(r.x )", False)


def test_normalize_prose_wraps_collapsed_text() -> None:
    """Re-spaced and re-wrapped prose gives the same normalised prose."""
    assert normalize_prose("A  frozen\n dataclass is immutable.") == normalize_prose("A frozen dataclass is immutable.")


def test_snapshot_record_has_no_machine_dependent_values() -> None:
    """Line numbers and token counts stay out, so a blank line or a longer answer is not a change."""
    assert render_record(snapshot_record(score(line=1))) == render_record(snapshot_record(score(line=7)))


def test_snapshot_record_keeps_raw_code_beside_normalized() -> None:
    """Each call carries the normalised code and the code as emitted."""
    call = snapshot_record(score())["turns"][0]["calls"][0]
    assert call == {"code": "r = typecheck('src/')\nprint(r.error_count)", "raw": score().turns[0].codes[0]}


def test_snapshot_record_names_the_failing_layer() -> None:
    """A strict failure records the failing layer, its reason and both verdicts."""
    record = snapshot_record(score(passed=False))
    turn = record["turns"][0]
    assert (record["strict"], turn["failing_layer"], turn["layers"][1]) == (
        "fail",
        "fields",
        "fields: fail — reads r.errors_total",
    )


def test_render_record_is_yaml_of_the_record() -> None:
    """The rendering loads back (as YAML) to exactly the record."""
    record = snapshot_record(score(passed=False))
    assert yaml.safe_load(render_record(record)) == record


def test_render_record_writes_code_as_a_literal_block() -> None:
    """Normalised code is a literal block, one source line per file line, for readable diffs."""
    text = render_record(snapshot_record(score()))
    assert "  - code: |-\n          r = typecheck('src/')\n          print(r.error_count)\n" in text


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@given(st.dictionaries(st.text(alphabet="abcxyz_:- ", min_size=1, max_size=6), _text | st.lists(_text, max_size=3)))
def test_render_record_round_trips_any_text(record: dict[str, object]) -> None:
    """Any strings (colons, leading spaces, control and line-break characters) survive as YAML."""
    assert yaml.safe_load(render_record(record)) == (record or None)


def test_semantic_text_ignores_raw_blocks() -> None:
    """Renderings that differ only in the code as emitted compare equal."""
    a = render_record(snapshot_record(score('r = typecheck("src/")\nprint(r.error_count)')))
    b = render_record(snapshot_record(score("r=typecheck('src/')\nprint( r.error_count )")))
    assert (a != b, semantic_text(a) == semantic_text(b)) == (True, True)


def test_semantic_text_sees_a_code_change() -> None:
    """A different normalised code is a different snapshot."""
    a = render_record(snapshot_record(score("r = typecheck('src/')")))
    b = render_record(snapshot_record(score("r = ruff_check('src/')")))
    assert semantic_text(a) != semantic_text(b)


def test_verdicts_reads_the_top_level_verdicts() -> None:
    """The query's soft and strict verdicts are read back from a rendering."""
    assert verdicts(render_record(snapshot_record(score(passed=False)))) == {"soft": True, "strict": False}


def test_extension_matches_ignores_raw(tmp_path: Path) -> None:
    """The bound extension compares renderings without their raw blocks."""
    extension = QuerySnapshotExtension.bind(tmp_path / "q.yaml")()
    old = extension.serialize(score('r = typecheck("src/")'))
    new = extension.serialize(score("r = typecheck( 'src/' )"))
    assert extension.matches(serialized_data=new, snapshot_data=old)


def test_extension_rejects_other_data(tmp_path: Path) -> None:
    """Only a QueryScore or its record can be snapshotted."""
    with pytest.raises(TypeError, match="QueryScore"):
        QuerySnapshotExtension.bind(tmp_path / "q.yaml")().serialize("text")


@pytest.mark.parametrize("value", ["", ".hidden", "a/b", "with space", ".."], ids=repr)
def test_check_lineage_rejects_non_folder_names(value: str) -> None:
    """A lineage must be one plain folder name."""
    with pytest.raises(UsageError, match="--snapshot-lineage must be a folder name"):
        check_lineage(value)


def test_obsolete_snapshots_lists_files_the_suite_would_not_write(tmp_path: Path) -> None:
    """Files of removed queries and of queries moved to another category are obsolete."""
    for category, qid in [("single_tool", "kept"), ("single_tool", "removed"), ("cross_tool", "moved")]:
        path = snapshot_path(tmp_path, "m", category, qid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    expected = [("single_tool", "kept"), ("field_access", "moved")]
    assert obsolete_snapshots(tmp_path, "m", expected) == [
        tmp_path / "m/cross_tool/moved.yaml",
        tmp_path / "m/single_tool/removed.yaml",
    ]


def _collection(path: Path, text: str) -> SnapshotCollection:
    collection = SnapshotCollection(location=str(path))
    collection.add(Snapshot(name="q", data=text))
    return collection


def test_snapshot_write_is_atomic_under_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An injected ENOSPC at the rename leaves the previous snapshot byte for byte, never a 0-byte file."""
    path = tmp_path / "single_tool" / "q.yaml"
    extension = QuerySnapshotExtension.bind(path)
    extension.write_snapshot_collection(snapshot_collection=_collection(path, "soft: pass\n"))

    def no_space(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match="No space left"):
        extension.write_snapshot_collection(snapshot_collection=_collection(path, "soft: fail\n"))
    assert (path.read_text(encoding="utf-8"), [p.name for p in path.parent.iterdir()]) == ("soft: pass\n", ["q.yaml"])


def test_snapshot_write_gets_the_umask_mode(tmp_path: Path) -> None:
    """A new snapshot file is 0666 less the umask (syrupy's own open() mode), not a temp file's 0600."""
    path = tmp_path / "q.yaml"
    old = os.umask(0o022)
    try:
        QuerySnapshotExtension.bind(path).write_snapshot_collection(snapshot_collection=_collection(path, "x: 1\n"))
    finally:
        os.umask(old)
    assert (path.read_text(encoding="utf-8"), stat.S_IMODE(path.stat().st_mode)) == ("x: 1\n", 0o644)


def test_snapshots_lineage_default_names_the_model_identity() -> None:
    """The default lineage is the model's name plus its content hash, so two models never share one by accident."""
    assert default_lineage({"name": "reference-model", "hash": "51a53fc404640b95"}) == "reference-model-51a53fc40464"
    assert default_lineage({"name": "qwen3 coder/5bit", "hash": None}) == "qwen3-coder-5bit"
