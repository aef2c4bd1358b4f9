"""--history / --no-history resolve to one database path (default beside the cache), checked once."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.errors import UsageError
from punie_eval.options import RunOptions, Setting, build_options


def _options(history: str | None, no_history: bool = False, cache_dir: str = ".punie-cache") -> RunOptions:
    return build_options(
        model=Setting(None, ""), queries=Setting(None, ""), max_tokens=512, results=None, backend="mlx",
        base_url=None, replay=None, cache_dir=cache_dir, no_cache=False, gate=False, min_strict=0.8,
        floors=[], baseline=None, history=Setting(history, "PUNIE_HISTORY" if history == "env.sqlite" else ""),
        no_history=no_history,
    )  # fmt: skip


def test_options_history_defaults_beside_the_cache(tmp_path: Path) -> None:
    """Without --history the database is .punie-history.sqlite in the cache folder's parent."""
    assert _options(None, cache_dir=str(tmp_path / "c" / ".punie-cache")).history == tmp_path / "c" / (
        ".punie-history.sqlite"
    )


def test_options_history_given_and_disabled(tmp_path: Path) -> None:
    """--history PATH is that path; --no-history is none."""
    assert _options(str(tmp_path / "h.sqlite")).history == tmp_path / "h.sqlite"
    assert _options(None, no_history=True).history is None


REFUSED = {
    "both": (lambda t: ("h.sqlite", True), "--history and --no-history contradict each other"),
    "folder": (lambda t: (str(t), False), "--history must be a database file path, got the folder"),
    "no-parent": (lambda t: (str(t / "nope" / "h.sqlite"), False), "--history: the folder of .* does not exist"),
    "env-named": (lambda t: ("env.sqlite", True), "PUNIE_HISTORY and --no-history contradict"),
}


@pytest.mark.parametrize(("make", "message"), REFUSED.values(), ids=REFUSED)
def test_options_history_bad_values_are_one_usage_error(tmp_path: Path, make: object, message: str) -> None:
    """A contradiction, a folder or a missing parent folder is one line naming where the value came from."""
    history, no_history = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(UsageError, match=message):
        _options(history, no_history)


def test_options_history_may_not_replace_an_input(tmp_path: Path) -> None:
    """--history naming the query suite is refused: an output never replaces an input."""
    suite = tmp_path / "queries.json"
    suite.write_text((Path(__file__).parents[1] / "data" / "queries.json").read_text(encoding="utf-8"))
    with pytest.raises(UsageError, match=r"--history .* is --queries"):
        build_options(
            model=Setting(None, ""), queries=Setting(str(suite), ""), max_tokens=512, results=None, backend="mlx",
            base_url=None, replay=None, cache_dir=".punie-cache", no_cache=False, gate=False, min_strict=0.8,
            floors=[], baseline=None, history=Setting(str(suite), ""),
        )  # fmt: skip
