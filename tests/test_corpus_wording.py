"""The surface wrapping of corpus requests (``corpus.wording``): it varies the words around a
request, never the request itself."""

from __future__ import annotations

import random

import pytest

from punie_eval.training.corpus import wording

REQUESTS = (
    "Run the tests",
    "Show the outline of src/app/cli/config.py",
    "Where is GitStatusResult defined? It is used at src/core/db/store.py:12:4",
    "Find Config across the workspace",
    "git status",
    "Last 5 commits, please",
)
DRAWS = 5000


def _draws(text: str, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [wording.polite(rng, text) for _ in range(DRAWS)]


@pytest.mark.parametrize("text", REQUESTS)
def test_wording_keeps_the_request_and_its_slot_values(text: str) -> None:
    """The request survives every wrapping (up to the case of sentence-initial words), and
    paths, CamelCase symbols and searched names keep their exact case."""
    exact = [w for w in text.split() if any(c in w for c in "/_:.") or w[1:] != w[1:].lower() or w == "Config"]
    for wrapped in _draws(text):
        assert text[1:].lower() in wrapped.lower(), wrapped
        assert all(w in wrapped for w in exact), wrapped


def test_wording_questions_keep_their_question_mark() -> None:
    """A question stays a question under every prefix, suffix, reason and casing."""
    assert all("?" in w for w in _draws("Are there type errors in src/?"))


def test_wording_rare_variations_come_at_their_shares() -> None:
    """Context sentences, reasons, "pls" and all-lower-case messages each come at about their
    configured share over 5,000 draws (and the plain request still dominates)."""
    draws = _draws("Lint src/app/", seed=1)

    def share(hit: list[bool]) -> float:
        return sum(hit) / len(hit)

    assert abs(share([any(c in w for c in wording.CONTEXTS) for w in draws]) - wording.P_CONTEXT) < 0.02
    assert abs(share([any(r in w for r in wording.REASONS) for w in draws]) - wording.P_REASON) < 0.02
    assert abs(share(["pls" in w for w in draws]) - wording.P_PLS) < 0.015
    typed = [w for w in draws if "pls" not in w]  # "pls lint src/app/" is lower case by itself
    assert abs(share([w == w.lower() for w in typed]) - wording.P_LOWER) < 0.02
    assert share([w.rstrip(".") == "Lint src/app/" for w in draws]) > 0.05


def test_wording_asks_with_can_you_only_before_a_verb() -> None:
    """ "Can you"/"Could you" only precede an imperative; a non-verb request gets another prefix."""
    asking = [w for w in _draws("git status") if any(a.lower() in w.lower() for a in wording.ASKING)]
    assert asking == []
    assert any(w.startswith(("Can you lint", "Could you lint")) for w in _draws("Lint src/app/"))


def test_wording_casual_lowercases_words_not_values() -> None:
    """The lower-case variant lower-cases sentence starts and "I", never a path, a class name
    or a searched name, nor words inside file contents."""
    assert wording.casual("I'm lost. Show Config in README.md") == "i'm lost. show Config in README.md"
    assert wording.casual("Put this into a.py: DEBUG = False") == "put this into a.py: DEBUG = False"
    assert wording.casual("Where is GitManager used?") == "where is GitManager used?"


def test_wording_lower_first_keeps_symbols_that_start_a_request() -> None:
    """A request that opens with a CamelCase symbol or a searched name keeps it exact after a prefix."""
    assert wording.lower_first("GitManager at a.py:1:2 — where's it defined?").startswith("GitManager")
    assert wording.lower_first("Config — where does that live?").startswith("Config")
    assert wording.lower_first("Show the diff") == "show the diff"


def test_wording_says_each_courtesy_once_and_asks_end_in_a_question_mark() -> None:
    """No "please ... please" or "for me ... for me", and a "Can you ..." command is a question."""
    for wrapped in _draws("Last 5 commits, please") + _draws("Run the tests and sum it up for me"):
        low = wrapped.lower()
        assert low.count("please") + low.count("pls") <= 1, wrapped
        assert low.count("for me") <= 1, wrapped
    asked = [w for w in _draws("Lint src/app/") if w.startswith(wording.ASKING)]
    assert asked
    assert all("?" in w for w in asked)


def test_wording_joins_a_follow_up_after_a_full_stop_cleanly() -> None:
    """A follow-up appended after a sentence that ends in a full stop reads "column 4, then ...",
    never "column 4., then" or "column 4.. Then"; a path's "../" is left alone."""
    for wrapped in _draws("Position: a.py, line 3, column 4., then open it") + _draws(
        "At a.py:3:4.. Then open ../b.py"
    ):
        assert "., " not in wrapped, wrapped
        assert ".. " not in wrapped, wrapped
    assert all("../b.py" in w for w in _draws("At a.py:3:4.. Then open ../b.py"))
