"""``punie-eval init``: a ready evals/ in another project, whose copy of the suite is the default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import child_env

from punie_eval.cli import main

REPO = Path(__file__).resolve().parents[1]
CALL = '<tool_call>\n<function=execute_code>\n<parameter=code>\nr = git_status(".")\nprint(r.clean)\n</parameter>\n'


def test_init_writes_evals_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """init writes the three test files, a conftest and the suite; a second init needs --force."""
    assert main(["init", str(tmp_path)]) == 0
    names = sorted(p.name for p in (tmp_path / "evals").iterdir())
    assert names == ["conftest.py", "queries.json", "test_data_contracts.py", "test_queries.py", "test_snapshots.py"]
    assert json.loads((tmp_path / "evals" / "queries.json").read_text())["suite"] == "punie-57"
    capsys.readouterr()
    assert main(["init", str(tmp_path)]) == 2
    assert "already exist; pass --force" in capsys.readouterr().err
    assert main(["init", str(tmp_path), "--force"]) == 0


@pytest.mark.slow  # runs pytest in a subprocess
def test_init_project_runs_its_own_suite(tmp_path: Path) -> None:
    """In a fresh project, `pytest evals/` uses the copied suite; an edited copy changes what runs."""
    main(["init", str(tmp_path)])
    suite_file = tmp_path / "evals" / "queries.json"
    suite = json.loads(suite_file.read_text())
    suite["queries"] = [q for q in suite["queries"] if q["id"] == "st_git_status"]
    suite_file.write_text(json.dumps(suite))
    replay = tmp_path / "answers.jsonl"
    replay.write_text(json.dumps({"id": "st_git_status", "responses": [CALL + "</function>\n</tool_call>"]}) + "\n")
    env = child_env()
    command = [sys.executable, "-m", "pytest", "evals/", "-p", "no:cacheprovider", "--no-cache", "--gate"]
    command += ["--backend", "replay", "--replay", str(replay), "-m", "not data"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert f"1 queries from {suite_file}" in done.stdout, done.stdout[-2000:]
    assert "gate PASSED: strict 1/1 (100.0%)" in done.stdout
    assert done.returncode == 0
