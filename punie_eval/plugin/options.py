"""The "punie" option group and its resolution to one checked ``RunOptions`` (command line → env → ini).

A helper of the plugin, not a plugin itself: listing it in ``pytest_plugins`` after the plugin
imported it would make pytest warn that it cannot rewrite its asserts.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from punie_eval import options as opts
from punie_eval.evaluation.conclude import DEFAULT_MIN_STRICT
from punie_eval.evaluation.target import DEFAULT_MAX_TOKENS

ENV_MODEL, INI_MODEL = "PUNIE_MODEL", "punie_model"
ENV_QUERIES, INI_QUERIES = "PUNIE_QUERIES", "punie_queries"
ENV_PROMPT, INI_PROMPT = "PUNIE_SYSTEM_PROMPT", "punie_system_prompt"
ENV_ADAPTER, INI_ADAPTER = "PUNIE_ADAPTER", "punie_adapter"
ENV_BATCH, INI_BATCH = "PUNIE_BATCH_SIZE", "punie_batch_size"
ENV_TOOLS, INI_TOOLS = "PUNIE_TOOLS", "punie_tools"
ENV_NAMES = (ENV_MODEL, ENV_QUERIES, ENV_PROMPT, ENV_ADAPTER, ENV_BATCH, ENV_TOOLS)
INI_NAMES = (INI_MODEL, INI_QUERIES, INI_PROMPT, INI_ADAPTER, INI_BATCH, INI_TOOLS)
ENV_HISTORY, INI_HISTORY = "PUNIE_HISTORY", "punie_history"  # where to record, not what to run: no opt-in
OPT_IN = "PUNIE_EVALS"  # a conftest.py that sets PUNIE_EVALS = True opts its folder's runs in
# Every option of the group with its default: a run that sets any of them opts in.
DEFAULTS: dict[str, object] = {
    "model": None, "adapter": None, "queries": None, "tools": None, "max_tokens": str(DEFAULT_MAX_TOKENS),
    "results": None,
    "backend": "mlx", "base_url": None, "concurrency": None, "timeout": None, "replay": None,
    "cache_dir": opts.DEFAULT_CACHE_DIR, "no_cache": False, "gate": False, "min_strict": str(DEFAULT_MIN_STRICT),
    "floor": [], "baseline": None, "system_prompt": None, "chat_template_args": None, "think": "fail",
    "allow_partial": False, "snapshot_lineage": None, "temperature": "0", "top_p": "1", "seed": None, "repeats": "1",
    "batch_size": None, "canary": None, "canary_strict": False,
    "history": None, "no_history": False,
}  # fmt: skip


def opted_in(config: pytest.Config) -> bool:
    """Whether this run is punie's: a punie option or environment variable or ini key is set, or a
    conftest.py sets ``PUNIE_EVALS = True`` (as ``evals/conftest.py`` does). Otherwise the plugin
    stays out of the way: no header, hashing, cache folder, BLAS preload or markers."""
    if any(getattr(plugin, OPT_IN, False) is True for plugin in config.pluginmanager.get_plugins()):
        return True
    if any(os.environ.get(name) for name in ENV_NAMES) or any(config.getini(name) for name in INI_NAMES):
        return True
    return any(config.getoption(dest, default) != default for dest, default in DEFAULTS.items())


def add_options(parser: pytest.Parser) -> None:
    """The punie option group and ini keys (called from the plugin's ``pytest_addoption``)."""
    group = parser.getgroup("punie", "punie-eval: evaluate a tool-calling model on the query suite")
    add = group.addoption
    add(
        "--model",
        metavar="PATH|ID",
        help=f"model folder, or a served model id (env {ENV_MODEL}; default: reference model)",
    )
    add("--adapter", metavar="DIR", help=f"LoRA adapter folder on top of --model, unfused (env {ENV_ADAPTER})")
    add("--queries", metavar="FILE", help=f"query suite JSON (env {ENV_QUERIES}; default: data/queries.json)")
    add(
        "--tools",
        metavar="DIR",
        help=f"tool registry folder (env {ENV_TOOLS}; default: the suite's own, else the bundled 14 tools)",
    )
    add("--max-tokens", metavar="N", default=str(DEFAULT_MAX_TOKENS), help="new tokens per turn (default 512)")
    add("--results", metavar="FILE", help="write the run's results JSON to FILE (atomically)")
    add("--backend", default="mlx", metavar="NAME", help="mlx (in-process), openai (HTTP server) or replay")
    add("--base-url", metavar="URL", help="OpenAI-compatible server for --backend openai")
    add("--concurrency", metavar="N", help="openai backend: requests in flight (default 4)")
    add("--timeout", metavar="S", help="openai backend: total deadline of one request, in seconds (default 120)")
    add("--replay", metavar="FILE", help="recorded responses (JSONL or results file) for --backend replay")
    add("--cache-dir", metavar="DIR", default=opts.DEFAULT_CACHE_DIR, help="generation cache (default .punie-cache)")
    add("--no-cache", action="store_true", help="neither read nor write the generation cache")
    add("--gate", action="store_true", help="failing queries xfail; exit status = the gate's verdict")
    add("--min-strict", metavar="X", default=str(DEFAULT_MIN_STRICT), help="gate: overall strict (default 0.80)")
    add("--floor", metavar="CATEGORY=X", action="append", default=[], help="gate: override a category floor")
    add("--baseline", metavar="FILE", help="compare this run with a baseline results file at the end")
    add(
        "--system-prompt",
        metavar="TEXT|@FILE",
        help=f"ask under this system prompt instead of the suite's (env {ENV_PROMPT})",
    )
    add(
        "--chat-template-args",
        metavar="JSON",
        help="extra chat-template arguments, e.g. '{\"enable_thinking\": false}'",
    )
    add("--think", default="fail", metavar="fail|strip", help="a leading <think> block: a format failure, or stripped")
    add("--allow-partial", action="store_true", help="gate or compare a run that covers only part of the suite")
    add("--temperature", metavar="T", default="0", help="sampling temperature (default 0: greedy)")
    add("--top-p", metavar="P", default="1", help="nucleus sampling: keep the top P of probability (default 1)")
    add("--seed", metavar="N", help="sampling seed (default: drawn, and printed so the run can be repeated)")
    add("--repeats", metavar="K", default="1", help="sampling: ask every query K times (pass rate, pass@k, pass^k)")
    add(
        "--batch-size",
        metavar="N|auto",
        help=f"mlx: sequences decoded at once (env {ENV_BATCH}; default auto: sized from the KV cache and free memory)",
    )
    add("--canary", metavar="N", help="mlx: prompts re-generated one at a time to check batching (default 3; 0: off)")
    add("--canary-strict", action="store_true", help="mlx: a canary mismatch aborts the run (default: a warning)")
    add(
        "--history",
        metavar="PATH",
        help=f"record the run in this SQLite history (env {ENV_HISTORY}; default .punie-history.sqlite by the cache)",
    )
    add("--no-history", action="store_true", help="do not record the run in the history")
    parser.addini(INI_MODEL, "default model directory (like --model)", default=None)
    parser.addini(INI_ADAPTER, "LoRA adapter folder (like --adapter)", default=None)
    parser.addini(
        INI_PROMPT, "system prompt (TEXT or @FILE) instead of the suite's (like --system-prompt)", default=None
    )
    parser.addini(INI_QUERIES, "default query suite file (like --queries)", default=None)
    parser.addini(INI_BATCH, "mlx: sequences decoded at once, N or auto (like --batch-size)", default=None)
    parser.addini(INI_TOOLS, "tool registry folder (like --tools)", default=None)
    parser.addini(INI_HISTORY, "run history database (like --history)", default=None)


def run_seed(seed: str | None, temperature: str, uid: str | None) -> str | None:
    """The sampling seed: given, else one per pytest-xdist run ``uid`` (every worker must draw the same samples)."""
    try:
        greedy = float(temperature) == 0
    except ValueError:
        greedy = True  # build_options names the bad value
    if seed is not None or not uid or greedy:
        return seed
    return str(int(hashlib.sha256(uid.encode()).hexdigest()[:8], 16) % 2**31)


def run_id(config: pytest.Config) -> str | None:
    """pytest-xdist's id of this run, the same in every worker (None outside xdist)."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["testrunuid"]) if workerinput else None


def run_options(config: pytest.Config) -> opts.RunOptions:
    get = config.getoption
    batch = opts.resolve(get("batch_size"), os.environ, ENV_BATCH, config.getini(INI_BATCH), INI_BATCH)
    return opts.build_options(
        model=opts.resolve(get("model"), os.environ, ENV_MODEL, config.getini(INI_MODEL), INI_MODEL),
        queries=opts.resolve(get("queries"), os.environ, ENV_QUERIES, config.getini(INI_QUERIES), INI_QUERIES),
        tools=opts.resolve(get("tools"), os.environ, ENV_TOOLS, config.getini(INI_TOOLS), INI_TOOLS),
        max_tokens=get("max_tokens"),
        results=get("results"),
        backend=get("backend"),
        base_url=get("base_url"),
        replay=get("replay"),
        cache_dir=get("cache_dir"),
        no_cache=get("no_cache"),
        gate=get("gate"),
        min_strict=get("min_strict"),
        floors=get("floor"),
        baseline=get("baseline"),
        allow_partial=get("allow_partial"),
        concurrency=get("concurrency"),
        chat_template_args=get("chat_template_args"),
        think=get("think"),
        timeout=get("timeout"),
        adapter=opts.resolve(get("adapter"), os.environ, ENV_ADAPTER, config.getini(INI_ADAPTER), INI_ADAPTER),
        system_prompt=opts.resolve(get("system_prompt"), os.environ, ENV_PROMPT, config.getini(INI_PROMPT), INI_PROMPT),
        sampling=opts.Sampling(
            get("temperature"), get("top_p"), run_seed(get("seed"), get("temperature"), run_id(config)), get("repeats")
        ),
        generation=opts.Generation(batch, get("canary"), get("canary_strict")),
        history=opts.resolve(get("history"), os.environ, ENV_HISTORY, config.getini(INI_HISTORY), INI_HISTORY),
        no_history=get("no_history"),
    )
