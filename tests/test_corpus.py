"""The generated training corpus: deterministic, committed as generated, covering what the suite asks."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from punie_eval.jsonl import Record, load_chat
from punie_eval.paths import data_dir, heldout_system_prompt
from punie_eval.queries import load_suite
from punie_eval.registry import load_registry
from punie_eval.training import chatfacts
from punie_eval.training.clean import clean_dir
from punie_eval.training.corpus import SYSTEM_PROMPT, system_prompts, vocab, wording
from punie_eval.training.corpus.requests import Intent
from punie_eval.training.corpus.writer import N_TRAIN, write_mixed

CORPUS = data_dir() / "corpus"


def _records(variant: str) -> list[Record]:
    return [r for split in ("train", "valid") for r in load_chat(CORPUS / variant / f"{split}.jsonl")]


def _call_tools(records: list[Record]) -> Counter[str]:
    registry = load_registry()
    return Counter(
        t for r in records for m in r.messages if chatfacts.is_call(m) for t in chatfacts.tools_called(m, registry)
    )


@pytest.mark.slow  # reads the whole 15,000-example corpus
@pytest.mark.parametrize("variant", ["mixed", "clean"])
def test_corpus_regenerates_committed_files_byte_for_byte(tmp_path: Path, variant: str) -> None:
    """scripts/make_corpus.py reproduces the committed mixed and cleaned corpus exactly."""
    write_mixed(tmp_path / "mixed")
    clean_dir(tmp_path / "mixed", tmp_path / "clean")
    for split in ("train", "valid"):
        assert (tmp_path / variant / f"{split}.jsonl").read_bytes() == (
            CORPUS / variant / f"{split}.jsonl"
        ).read_bytes()


def test_corpus_calls_all_fourteen_tools() -> None:
    """Every tool of the registry is called in the cleaned corpus."""
    assert set(_call_tools(_records("clean"))) == set(load_registry().tools)


@pytest.mark.parametrize("variant", ["mixed", "clean"])
def test_corpus_trains_under_the_suite_prompt_about_half_the_time(variant: str) -> None:
    """Every example starts with a system message: the eval suite's prompt for about half of them,
    and otherwise only prompts ``system_prompts`` composes (never the held-out foreign one)."""
    assert load_suite().system_prompt == SYSTEM_PROMPT
    records = _records(variant)
    assert {r.messages[0]["role"] for r in records} == {"system"}
    prompts = [r.messages[0]["content"] for r in records]
    assert 0.45 < prompts.count(SYSTEM_PROMPT) / len(prompts) < 0.55
    assert set(prompts) <= system_prompts.compositions()
    assert len(set(prompts)) > 100


def test_system_prompts_never_compose_the_foreign_prompt() -> None:
    """The held-out foreign system prompt is not one the corpus can train under, nor a sentence of one."""
    foreign = heldout_system_prompt()
    assert foreign
    assert foreign != SYSTEM_PROMPT
    composed = system_prompts.compositions()
    assert foreign not in composed
    sentences = {s for prompt in composed for s in re.split(r"(?<=[.;])\s+", prompt)}
    assert not any(part.strip() in sentences for part in re.split(r"[.;]", foreign) if part.strip())


def test_vocab_coins_about_a_quarter_of_slot_words() -> None:
    """``vocab.word`` returns a made-up word ``COINED_SHARE`` of the time, else a pool word; coined
    words are lowercase letters, so they make valid identifiers and paths."""
    rng = random.Random(0)
    draws = [vocab.word(rng, vocab.MODULES) for _ in range(4000)]
    coined = [w for w in draws if w not in vocab.MODULES]
    assert abs(len(coined) / len(draws) - vocab.COINED_SHARE) < 0.03
    assert all(re.fullmatch(r"[a-z]+", w) for w in coined)
    assert len(set(coined)) > 500


def test_vocab_names_are_identifiers_and_paths_are_python_files() -> None:
    """Class and function names are valid identifiers (class names never repeat a part twice in a
    row); files end in .py under a relative folder."""
    rng = random.Random(1)
    for _ in range(2000):
        cls, func, file = vocab.class_name(rng), vocab.func_name(rng), vocab.python_file(rng)
        assert cls.isidentifier(), cls
        assert cls[0].isupper(), cls
        assert func.isidentifier(), func
        assert func == func.lower(), func
        assert re.fullmatch(r"[a-z_]+(/[a-z_]+)*\.py", file), file
        parts = re.findall(r"[A-Z][a-z]*", cls)
        assert all(a != b for a, b in itertools.pairwise(parts)), cls


def test_system_prompt_draws_only_compositions() -> None:
    """Every drawn prompt is one of ``compositions()``, and the draws cover many of them."""
    rng = random.Random(0)
    drawn = {system_prompts.system_prompt(rng) for _ in range(3000)}
    assert drawn <= system_prompts.compositions()
    assert len(drawn) > 150


@pytest.mark.parametrize(
    ("tool", "low", "high"),
    [
        ("goto_definition", 0.55, 0.85),
        ("find_references", 0.55, 0.85),
        ("read_file", 0.45, 0.8),
        ("typecheck", 0.0, 0.0),
        ("ruff_check", 0.0, 0.0),
        ("pytest_run", 0.0, 0.0),
        ("git_status", 0.0, 0.0),
    ],
    ids=lambda v: str(v),
)
def test_corpus_mixed_reproduces_seed_preamble_rates(tool: str, low: float, high: float) -> None:
    """Mixed: preambles on most LSP-reference/read calls, none on quality or git tools (the seed's shape)."""
    registry = load_registry()
    calls = [
        m
        for r in _records("mixed")
        for m in r.messages
        if chatfacts.is_call(m) and tool in chatfacts.tools_called(m, registry)
    ]
    share = sum(bool(chatfacts.preamble(m)) for m in calls) / len(calls)
    assert low <= share <= high


def test_corpus_mixed_has_dozens_of_announce_then_stop_turns() -> None:
    """Mixed: at least 24 announce-then-stop turns, as in the seed's data."""
    assert sum(len(chatfacts.announce_turns(r.messages)) for r in _records("mixed")) >= 24


def test_corpus_mixed_has_double_wrapped_tool_messages() -> None:
    """Mixed: some results come in tool-role messages already wrapped in <tool_response>."""
    assert sum(m["role"] == "tool" and chatfacts.is_tool_result(m) for r in _records("mixed") for m in r.messages) >= 10


def test_corpus_clean_sizes() -> None:
    """The cleaned corpus keeps N_TRAIN train and N_VALID valid examples, less what cleaning
    drops (the duplicates the mixed variant injects, and any repeated request)."""
    train, valid = (len(load_chat(CORPUS / "clean" / f"{split}.jsonl")) for split in ("train", "valid"))
    assert (train, valid) == (15000, 151)
    assert 0.97 * N_TRAIN <= train <= N_TRAIN


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Run the tests", "Run the tests"), ('say "hi"\n', '"say \\"hi\\"\\n"')],
    ids=["polite-keeps-text", "py-str-escapes"],
)
def test_corpus_polite_wrapping_and_python_literals(text: str, expected: str) -> None:
    """polite() keeps the request inside the wrapping; py_str() writes a valid Python literal."""
    if expected.startswith('"'):
        assert vocab.py_str(text) == expected
        assert eval(expected) == text  # a literal of the same text
    else:
        wrapped = wording.polite(random.Random(3), text)
        assert text[1:] in wrapped


def test_corpus_generator_redraws_requests_that_leak_an_eval_query() -> None:
    """A request that leaks a (here: very common) eval prompt is drawn again, never kept."""
    from punie_eval.training.corpus.writer import generate
    from punie_eval.training.leakage import LeakIndex

    index = LeakIndex([("status", "Run git status"), ("diff", "Run git diff")])
    examples = generate(random.Random(0), 600, load_registry(), set(), index)
    requests = [e.messages[1]["content"] for e in examples]
    assert len(requests) == 600
    assert [r for r in requests if index.check(r) is not None] == []
    assert any("git status" in r.lower() for r in requests)  # the intent itself is still trained


def test_corpus_numbers_have_every_digit_count_equally_often() -> None:
    """Line numbers in [1, 420] are 1, 2 or 3 digits long about equally often, and in range."""
    rng = random.Random(0)
    values = [vocab.number(rng, 1, 420) for _ in range(3000)]
    assert (min(values), max(values)) == (1, 420)
    lengths = Counter(len(str(v)) for v in values)
    assert sorted(lengths) == [1, 2, 3]
    assert all(900 <= n <= 1100 for n in lengths.values())


def test_corpus_class_names_include_three_part_names() -> None:
    """About a third of class names have three parts (GitStatusResult), never a doubled tail."""
    rng = random.Random(0)
    names = [vocab.class_name(rng) for _ in range(900)]
    three = [n for n in names if sum(c.isupper() for c in n) == 3]
    assert 200 <= len(three) <= 400
    assert all(not n.endswith(t + t) for n in names for t in vocab.CLASS_TAILS)


def test_corpus_composed_requests_call_both_tools_once_each() -> None:
    """A composed request asks for two tools and its one code block calls exactly those two,
    with at most one symbol position in the request."""
    from punie_eval.training.corpus import builders
    from punie_eval.training.corpus.requests import INTENTS

    registry = load_registry()
    by_tool: dict[str, list[Intent]] = {}
    for intent in INTENTS:
        by_tool.setdefault(intent.tools[0], []).append(intent)
    rng = random.Random(0)
    pairs = set()
    for _ in range(400):
        example = builders.composed(rng, by_tool)
        request, answer = example.messages[1]["content"], example.messages[2]
        called = chatfacts.tools_called(answer, registry)
        assert sorted(called) == sorted(example.calls[2]), request
        assert len(set(called)) == 2, request
        assert len(re.findall(r"line \d+|\.py:\d+:\d+", request)) <= 1, request
        pairs.add(frozenset(called))
    assert len(pairs) >= 40  # most of the 66 tool pairs, not a fixed list


def test_corpus_lsp_position_wording_does_not_give_the_tool_away() -> None:
    """The same position clauses follow definition, reference and hover asks, so the tool must
    be read from the ask: each neutral clause appears in all three intents' templates."""
    from punie_eval.training.corpus.requests import DEFINITION_SITE, INTENTS, USE_SITE

    templates = {i.name: " ".join(i.templates) for i in INTENTS}
    for clause in set(USE_SITE) & set(DEFINITION_SITE):
        assert all(clause in templates[name] for name in ("goto", "refs", "refs_count", "hover")), clause


def test_corpus_result_texts_are_composed_not_recited() -> None:
    """Commit and failure messages are drawn from thousands of compositions (a small pool gets
    recited instead of copied), and none of the suite's own turn-2 messages is among the trained ones."""
    from punie_eval.training.corpus import texts

    rng = random.Random(0)
    assert len({texts.commit_message(rng) for _ in range(1000)}) >= 700
    assert len({texts.failure_message(rng) for _ in range(1000)}) >= 700
    suite_messages = [
        item["message"]
        for q in load_suite().queries
        if q.turn2 is not None and q.turn2.tool in {"git_log", "pytest_run"}
        for item in q.turn2.tool_result.get("commits", []) + q.turn2.tool_result.get("tests", [])
    ]
    assert len(suite_messages) >= 3
    corpus = "\n".join((CORPUS / "clean" / f"{split}.jsonl").read_text() for split in ("train", "valid"))
    assert [m for m in suite_messages if m in corpus] == []


def test_corpus_conceptual_questions_are_framed_and_never_answered_with_a_call() -> None:
    """Every Python topic is also asked through the generic frames (not only its own few
    sentences), and a "don't run anything" prefix only ever precedes a prose answer."""
    from punie_eval.training.corpus import concepts

    records = _records("clean")
    requests = {r.messages[1]["content"]: chatfacts.is_call(r.messages[2]) for r in records}
    for _answer, _phrasings, subjects in concepts.PYTHON_TOPICS:
        assert not subjects or any(s in q for s in subjects for q in requests), subjects
    prefixes = [p.lower() for p in concepts.NO_CALL_PREFIXES]
    no_call = [(q, call) for q, call in requests.items() if any(p in q.lower() for p in prefixes)]
    assert len(no_call) >= 100
    assert [q for q, call in no_call if call] == []
