"""Probabilities (gate bars, floors, alpha, suite targets) are finite numbers in [0, 1]: one check, three callers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from reliability import run_evals
from results_builder import outcomes, results

from punie_eval.cli import main
from punie_eval.commands.compare import probability
from punie_eval.errors import UsageError
from punie_eval.reporting.compare import compare
from punie_eval.values import fraction

REFUSED = [
    ("nan", "nan", "--min-strict must be between 0 and 1, got nan"),
    ("float-nan", float("nan"), "--min-strict must be between 0 and 1, got nan"),
    ("inf", "inf", "--min-strict must be between 0 and 1, got inf"),
    ("negative", "-0.1", "--min-strict must be between 0 and 1, got -0.1"),
    ("above-one", "1.5", "--min-strict must be between 0 and 1, got 1.5"),
    ("text", "high", "--min-strict must be a number between 0 and 1, got 'high'"),
]


@pytest.mark.parametrize(("value", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_options_fraction_refuses_nan_infinity_and_range(value: str | float, message: str) -> None:
    """NaN, infinities, out-of-range values and text are refused with one line naming the option."""
    with pytest.raises(UsageError) as caught:
        fraction("--min-strict", value)
    assert str(caught.value) == message


@pytest.mark.parametrize("value", ["0", "1", "0.8", "1e-3"], ids=["zero", "one", "bar", "exponent"])
def test_options_fraction_accepts_probabilities(value: str) -> None:
    """Every finite number in [0, 1] is accepted as itself."""
    assert fraction("--min-strict", value) == float(value)


def test_options_compare_validators_call_fraction() -> None:
    """The compare command's argparse type and compare() refuse NaN exactly as values.fraction does."""
    with pytest.raises(argparse.ArgumentTypeError, match="value must be between 0 and 1, got nan"):
        probability("nan")
    run = results(outcomes("single_tool", 9, 1))
    with pytest.raises(UsageError, match=r"^floor for single_tool must be between 0 and 1, got nan$"):
        compare(run, run, floors={"single_tool": float("nan")})


@pytest.mark.parametrize(
    "option",
    [["--min-strict", "nan"], ["--floor", "single_tool=nan"], ["--alpha", "nan"]],
    ids=["min", "floor", "alpha"],
)
def test_options_compare_command_refuses_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    """punie-eval compare --min-strict nan (or a NaN floor or alpha) is a usage error, exit 2, one line."""
    files = [tmp_path / "baseline.json", tmp_path / "candidate.json"]
    for path in files:
        path.write_text(json.dumps(results(outcomes("single_tool", 9, 1))), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["compare", *map(str, files), *option])
    err = capsys.readouterr().err.strip().splitlines()
    assert (exited.value.code, err[-1].endswith("must be between 0 and 1, got nan")) == (2, True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--min-strict", "nan"], "ERROR: --min-strict must be between 0 and 1, got nan"),
        (["--floor", "single_tool=nan"], "ERROR: --floor single_tool must be between 0 and 1, got nan"),
    ],
    ids=["min-strict", "floor"],
)
def test_options_evals_refuse_nan(tmp_path: Path, option: list[str], message: str) -> None:
    """pytest evals/ --min-strict nan (or --floor CAT=nan) exits with a usage error and that one line."""
    out = run_evals(tmp_path, "--gate", *option, "--collect-only", "-q")
    assert (out.returncode, out.stderr.strip().splitlines()) == (pytest.ExitCode.USAGE_ERROR, [message])
