"""No output replaces an input: every command checks its output paths against its input paths first.

An output that is the same file as an input (also through a link), lies inside an input
folder (a model, a dataset), or — for an output folder — contains an input, is refused
with one line before anything is read or generated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from punie_eval.errors import UsageError

Paths = Mapping[str, Path | None]


def _same(a: Path, b: Path) -> bool:
    try:
        return a == b or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def refuse_overwriting_inputs(outputs: Paths, inputs: Paths, *, folders: frozenset[str] = frozenset()) -> None:
    """Raise UsageError when an output (flag → path) would replace or land inside an input.

    ``folders`` names the outputs that are written as whole folders: such an output must not
    contain an input either.
    """
    for out_flag, out in outputs.items():
        if out is None:
            continue
        o = Path(out).expanduser().resolve()
        for in_flag, given in inputs.items():
            if given is None:
                continue
            i = Path(given).expanduser().resolve()
            if _same(o, i):
                what = "is"
            elif i.is_dir() and o.is_relative_to(i):
                what = "lies inside"
            elif out_flag in folders and i.is_relative_to(o):
                what = "contains"
            else:
                continue
            raise UsageError(f"{out_flag} {out} {what} {in_flag} {given}: an output never replaces an input")


__all__ = ["refuse_overwriting_inputs"]
