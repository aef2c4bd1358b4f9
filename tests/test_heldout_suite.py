"""The held-out suite (data/heldout/queries.json): same shape as the main suite, none of its ids or prompts."""

from __future__ import annotations

from collections import Counter

import pytest

from punie_eval.paths import heldout_queries_file
from punie_eval.queries import CATEGORIES, QuerySuite, guarded_suites, load_suite
from punie_eval.training.leakage import LeakIndex, normalise

EXPECTED_COUNTS = {
    "direct_answers": 5,
    "single_tool": 10,
    "tool_identity": 5,
    "field_access": 10,
    "cross_tool": 10,
    "edge_cases": 5,
    "multi_turn": 12,
}


@pytest.fixture(scope="module")
def heldout() -> QuerySuite:
    return load_suite(heldout_queries_file())


@pytest.fixture(scope="module")
def main() -> QuerySuite:
    return load_suite()


def test_heldout_suite_loads_and_validates(heldout: QuerySuite) -> None:
    """The held-out file passes the suite schema and semantic checks against the bundled 14 tools."""
    assert heldout.name == "punie-57-heldout"
    assert len(heldout.queries) == 57
    assert heldout.registry.name == "punie-14"


def test_heldout_suite_has_the_seven_categories_with_the_main_counts(heldout: QuerySuite) -> None:
    """Seven categories, 5/10/5/10/10/5/12 queries, 8 summaries and 4 chains among the multi-turn ones."""
    assert tuple(heldout.categories) == CATEGORIES
    assert Counter(q.category for q in heldout.queries) == EXPECTED_COUNTS
    turn2 = Counter(q.turn2.expect for q in heldout.queries if q.turn2 is not None)
    assert turn2 == {"summary": 8, "chain": 4}


def test_heldout_suite_asks_under_the_main_prompt_targets_and_floors(heldout: QuerySuite, main: QuerySuite) -> None:
    """The same system prompt and category targets/floors as the main suite, so the two scores compare."""
    assert heldout.system_prompt == main.system_prompt
    assert heldout.categories == main.categories


def test_heldout_suite_shares_no_id_with_the_main_suite(heldout: QuerySuite, main: QuerySuite) -> None:
    """Every held-out id is prefixed ho_ and none is a main-suite id."""
    ids = {q.id for q in heldout.queries}
    assert all(i.startswith("ho_") for i in ids)
    assert ids.isdisjoint(q.id for q in main.queries)


def test_heldout_suite_shares_no_prompt_with_the_main_suite(heldout: QuerySuite, main: QuerySuite) -> None:
    """No held-out prompt equals a main-suite prompt after case, whitespace and punctuation normalisation."""
    main_prompts = {normalise(q.prompt) for q in main.queries}
    assert [q.id for q in heldout.queries if normalise(q.prompt) in main_prompts] == []


def test_heldout_suite_is_not_a_near_duplicate_of_the_main_suite(heldout: QuerySuite, main: QuerySuite) -> None:
    """No held-out prompt is an edited, wrapped or slot-swapped main-suite prompt (leakage rules), nor the reverse."""
    to_main, to_heldout = LeakIndex.of_suite(main), LeakIndex.of_suite(heldout)
    assert [(q.id, leak.query_id) for q in heldout.queries if (leak := to_main.check(q.prompt))] == []
    assert [(q.id, leak.query_id) for q in main.queries if (leak := to_heldout.check(q.prompt))] == []


def test_heldout_suite_fingerprint_differs_from_the_main_suite(heldout: QuerySuite, main: QuerySuite) -> None:
    """Runs of the two suites never compare as the same suite."""
    assert heldout.fingerprint != main.fingerprint


def test_heldout_suite_is_one_of_the_guarded_suites(heldout: QuerySuite, main: QuerySuite) -> None:
    """The leakage contract's suites are the main suite and the held-out suite."""
    assert [s.fingerprint for s in guarded_suites()] == [main.fingerprint, heldout.fingerprint]
