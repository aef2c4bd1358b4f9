"""--cache-dir that cannot be written: a read-only cache still serves, a file is one line per query.

Real ``pytest evals/`` processes against a real loopback server. Root ignores file modes, so
when this suite runs as root the read-only run is started without the capabilities that let
root write anywhere (``setpriv --bounding-set -dac_override,-dac_read_search``): it stays
uid 0, and a folder without write bits is then read-only to it as to anyone.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from punie_pytester import MINI_SUITE
from reliability import child_env, evals_command, read_json
from test_reliability_server_faults import _Faulty

pytestmark = pytest.mark.slow
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    """The mini suite and a model folder that only has to fingerprint (the server would load it)."""
    (tmp_path / "mini.json").write_text(json.dumps(MINI_SUITE), encoding="utf-8")
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "qwen3"}', encoding="utf-8")
    (model / "model.safetensors").write_bytes(b"weights the server would load")
    (tmp_path / "out").mkdir()
    yield tmp_path
    for path in [tmp_path, *tmp_path.rglob("*")]:  # let pytest remove it later
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


@pytest.fixture
def server(work: Path) -> Iterator[Any]:
    httpd: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    httpd.served, httpd.posts, httpd.mode, httpd.release = [str(work / "model")], 0, "parts", threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _run(work: Path, server: Any, cache: Path, results: str, *, read_only: bool) -> subprocess.CompletedProcess[str]:
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    command = evals_command("--queries", "mini.json", "--backend", "openai", "--base-url", url, "--model", "model")
    command += ["--cache-dir", str(cache), "--results", f"out/{results}", "-q"]
    if read_only and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: a read-only folder cannot be made read-only to root")
        command = WITHOUT_OVERRIDE + command
    return subprocess.run(command, cwd=work, env=child_env(), capture_output=True, text=True, timeout=120, check=False)


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


def _verdicts(path: Path) -> list[tuple[str, bool, str]]:
    return [(q["id"], q["strict"], q["turns"][0]["response"]) for q in read_json(path)["queries"]]


@pytest.mark.parametrize("filled", [True, False], ids=["complete-cache", "empty-cache"])
def test_cache_dir_read_only_still_serves(work: Path, server: Any, filled: bool) -> None:
    """A read-only cache serves what it holds (no request sent when complete) and writes nothing; same results."""
    cache = work / "cache"
    first = _run(work, server, cache, "first.json", read_only=False)
    if not filled:
        shutil.rmtree(cache)
        cache.mkdir()
    before, sent = sorted(cache.rglob("*")), server.posts
    _read_only(cache)
    second = _run(work, server, cache, "second.json", read_only=True)
    assert (second.returncode, first.returncode) == (pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.TESTS_FAILED)
    assert (
        f"punie-eval: cache {cache} is not writable (Permission denied): reading it, writing nothing" in second.stderr
    )
    assert "Traceback" not in second.stdout + second.stderr
    assert _verdicts(work / "out" / "second.json") == _verdicts(work / "out" / "first.json")
    assert (sorted(cache.rglob("*")), server.posts - sent) == (before, 0 if filled else len(MINI_SUITE["queries"]))


def test_cache_dir_that_is_a_file_is_a_usage_error(work: Path, server: Any) -> None:
    """--cache-dir naming a file is one usage error before any test runs (exit 4), and nothing is requested."""
    (work / "cache").write_text("not a folder", encoding="utf-8")
    out = _run(work, server, work / "cache", "r.json", read_only=False)
    assert out.returncode == pytest.ExitCode.USAGE_ERROR
    assert [line for line in out.stderr.split("\n") if line.strip()] == [
        f"ERROR: --cache-dir must be a folder, got the file {work / 'cache'}"
    ]
    assert server.posts == 0
