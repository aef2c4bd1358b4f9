"""Which folder under ``snapshots/`` a model's snapshots live in, and whose they are.

A lineage is named from the model's identity, never from its folder name alone: the display
name plus the first 12 hex digits of the content hash (``reference-model-51a53fc40464``), or
the display name alone when nothing is hashed (a served model id). ``LINEAGE.json`` in the
folder records the model that wrote it, so ``--snapshot-update`` refuses to overwrite the
snapshots of another model that shares an explicit ``--snapshot-lineage``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from punie_eval.atomic import write_text
from punie_eval.evaluation.target import display_name

OWNER_FILE = "LINEAGE.json"
SUFFIX = ".yaml"


def default_lineage(model: Mapping[str, Any]) -> str:
    """``<name>-<hash[:12]>`` from a run's ``metadata.model``, or the name when there is no hash."""
    name = display_name(str(model.get("name") or "model"))
    digest = model.get("hash")
    return f"{name}-{digest[:12]}" if isinstance(digest, str) and digest else name


def has_snapshots(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob(f"*/*{SUFFIX}"))


def owner(folder: Path) -> str | None:
    """The content hash of the model that recorded the folder's snapshots (None: not recorded)."""
    try:
        raw = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digest = raw.get("model", {}).get("hash") if isinstance(raw, dict) else None
    return digest if isinstance(digest, str) else None


def foreign_owner(folder: Path, model: Mapping[str, Any]) -> str | None:
    """The other model's hash when ``folder`` was recorded by a model other than ``model``."""
    recorded, mine = owner(folder), model.get("hash")
    return recorded if recorded is not None and isinstance(mine, str) and recorded != mine else None


def claim(folder: Path, model: Mapping[str, Any]) -> None:
    """Record ``model`` as the folder's owner (atomically)."""
    doc = {"model": {"name": model.get("name"), "hash": model.get("hash")}}
    write_text(folder / OWNER_FILE, json.dumps(doc, indent=1) + "\n")


__all__ = ["OWNER_FILE", "claim", "default_lineage", "foreign_owner", "has_snapshots", "owner"]
