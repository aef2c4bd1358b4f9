"""Promotion integrity: a partial run never stands for the suite, and no output replaces an input."""

from __future__ import annotations

from pathlib import Path

import pytest
from results_builder import outcomes, results, write

from punie_eval.cli import main
from punie_eval.errors import UsageError
from punie_eval.outputs import refuse_overwriting_inputs
from punie_eval.reporting.compare import IncomparableRunsError, compare

WHOLE = outcomes("single_tool", 8, 2)


def test_promotion_compare_refuses_a_partial_candidate() -> None:
    """A candidate run of 3 of 10 queries is refused with one line naming what was left out."""
    partial = results(WHOLE[:3], model="cand", missing=[q.id for q in WHOLE[3:]])
    with pytest.raises(IncomparableRunsError, match=r"candidate covers 3 of the suite's 10 queries") as info:
        compare(results(WHOLE, model="base"), partial)
    assert "\n" not in str(info.value)
    assert "--allow-partial" in str(info.value)


def test_promotion_compare_refuses_a_partial_baseline() -> None:
    """A partial baseline is refused as well."""
    partial = results(WHOLE[:5], model="base", missing=[q.id for q in WHOLE[5:]])
    with pytest.raises(IncomparableRunsError, match="the baseline covers 5 of the suite's 10 queries"):
        compare(partial, results(WHOLE, model="cand"))


def test_promotion_compare_allows_partial_when_asked() -> None:
    """--allow-partial compares what the two runs share."""
    partial = results(WHOLE[:3], model="cand", missing=[q.id for q in WHOLE[3:]])
    comparison = compare(results(WHOLE, model="base"), partial, allow_partial=True)
    assert comparison.overall.n == 3


def test_promotion_compare_refuses_a_file_without_coverage() -> None:
    """A results file that records no coverage cannot prove it covered the suite."""
    legacy = results(WHOLE, model="base")
    del legacy["metadata"]["coverage"]
    with pytest.raises(IncomparableRunsError, match="the baseline records no coverage"):
        compare(legacy, results(WHOLE, model="cand"))


def test_promotion_compare_command_partial_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`punie-eval compare` on a partial candidate exits 2 with one line on stderr."""
    base = write(tmp_path, "base.json", results(WHOLE, model="base"))
    cand = write(tmp_path, "cand.json", results(WHOLE[:3], model="cand", missing=[q.id for q in WHOLE[3:]]))
    assert main(["compare", str(base), str(cand)]) == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert len(err) == 1
    assert "candidate covers 3 of the suite's 10 queries" in err[0]


def test_promotion_markdown_onto_the_candidate_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`compare … --markdown CANDIDATE.json` is refused before anything is written; the candidate is intact."""
    base = write(tmp_path, "base.json", results(WHOLE, model="base"))
    cand = write(tmp_path, "cand.json", results(WHOLE, model="cand"))
    before = cand.read_bytes()
    assert main(["compare", str(base), str(cand), "--markdown", str(cand)]) == 2
    assert "--markdown" in capsys.readouterr().err
    assert cand.read_bytes() == before


@pytest.mark.parametrize(
    ("out", "inp", "folders", "what"),
    [
        ("a.json", "a.json", frozenset(), "is"),
        ("model/r.json", "model", frozenset(), "lies inside"),
        ("data", "data/corpus", frozenset({"--out"}), "contains"),
    ],
    ids=["same-file", "inside-input-folder", "output-folder-contains-input"],
)
def test_promotion_outputs_never_replace_inputs(
    tmp_path: Path, out: str, inp: str, folders: frozenset[str], what: str
) -> None:
    """An output that is, lies inside, or (a folder output) contains an input is one UsageError."""
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "model").mkdir()
    (tmp_path / "data" / "corpus").mkdir(parents=True)
    with pytest.raises(UsageError, match=f"--out {tmp_path / out} {what} --in {tmp_path / inp}: an output never"):
        refuse_overwriting_inputs({"--out": tmp_path / out}, {"--in": tmp_path / inp}, folders=folders)


def test_promotion_output_through_a_link_is_the_same_file(tmp_path: Path) -> None:
    """A symlink to an input is the input."""
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "a.json")
    with pytest.raises(UsageError, match="is --in"):
        refuse_overwriting_inputs({"--out": tmp_path / "link.json"}, {"--in": tmp_path / "a.json"})


def test_promotion_clean_into_its_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`punie-eval clean IN IN/sub` exits 2 in one line, writing nothing."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "q"}]}\n')
    assert main(["clean", str(tmp_path / "in"), str(tmp_path / "in" / "sub")]) == 2
    assert "lies inside IN_DIR" in capsys.readouterr().err
    assert not (tmp_path / "in" / "sub").exists()
