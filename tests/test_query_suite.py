"""The shipped 57-query suite (data/queries.json) loads and has the documented shape."""

from __future__ import annotations

from collections import Counter

import pytest

from punie_eval.queries import CATEGORIES, QuerySuite, load_suite
from punie_eval.registry import load_registry

EXPECTED_COUNTS = {
    "direct_answers": 5,
    "single_tool": 10,
    "tool_identity": 5,
    "field_access": 10,
    "cross_tool": 10,
    "edge_cases": 5,
    "multi_turn": 12,
}

SEED_PROMPTS = (
    "Show the current git status",
    "Show the last 5 commits",
    "Check git working tree for uncommitted changes",
    "List all symbols in src/punie/agent/typed_tools.py",
    "Search the workspace for classes named GitStatusResult",
    "Count all symbols in src/punie/agent/config.py",
    "Check types in src/punie/agent/",
    "Lint the source directory",
    "Execute the test suite and show results",
)

LSP_POSITION_TOOLS = ("goto_definition", "find_references", "hover")


@pytest.fixture(scope="module")
def suite() -> QuerySuite:
    return load_suite()


def test_query_suite_loads_57_queries(suite: QuerySuite) -> None:
    """The default suite file validates and holds 57 queries."""
    assert suite.name == "punie-57"
    assert len(suite.queries) == 57


@pytest.mark.parametrize(("category", "count"), EXPECTED_COUNTS.items(), ids=list(EXPECTED_COUNTS))
def test_query_suite_category_count(suite: QuerySuite, category: str, count: int) -> None:
    """Each category holds the number of queries of the original 57-query suite."""
    assert Counter(q.category for q in suite.queries)[category] == count


def test_query_suite_categories_have_targets_and_floors(suite: QuerySuite) -> None:
    """Every category has a target and a floor no higher than it."""
    assert set(suite.categories) == set(CATEGORIES)
    assert all(0 < spec.floor <= spec.target for spec in suite.categories.values())


@pytest.mark.parametrize("prompt", SEED_PROMPTS, ids=range(len(SEED_PROMPTS)))
def test_query_suite_contains_seed_prompt(suite: QuerySuite, prompt: str) -> None:
    """The queries named in the seed are in the suite verbatim."""
    assert prompt in {q.prompt for q in suite.queries}


def test_query_suite_single_tool_covers_ten_distinct_tools(suite: QuerySuite) -> None:
    """single_tool asks for ten different typed tools, one each, git_log among them."""
    tools = [q.tools for q in suite.queries if q.category == "single_tool"]
    assert all(len(t) == 1 for t in tools)
    assert len({t[0] for t in tools}) == 10
    assert ("git_log",) in tools


def test_query_suite_lsp_position_queries_pin_all_four_arguments(suite: QuerySuite) -> None:
    """Every position-based LSP call in turn 1 has file_path, line, column and symbol in its expected args."""
    registry = load_registry()
    for query in suite.queries:
        for tool in query.tools:
            if tool in LSP_POSITION_TOOLS:
                assert set(query.args.get(tool, {})) == set(registry.tool(tool).param_names), query.id


def test_query_suite_multi_turn_split(suite: QuerySuite) -> None:
    """multi_turn has 8 summary queries and 4 chain queries."""
    kinds = Counter(q.turn2.expect for q in suite.queries if q.turn2 is not None)
    assert kinds == {"summary": 8, "chain": 4}


def test_query_suite_summary_keywords_have_a_number_and_a_word(suite: QuerySuite) -> None:
    """Each summary's keywords include at least one number and one word."""
    for query in suite.queries:
        if query.turn2 is not None and query.turn2.expect == "summary":
            assert any(k.isdigit() for k in query.turn2.keywords), query.id
            assert any(not k.isdigit() for k in query.turn2.keywords), query.id


def test_query_suite_edge_cases_split(suite: QuerySuite) -> None:
    """edge_cases holds 3 prose questions about tools and 2 vague tool requests."""
    kinds = Counter(q.expect for q in suite.queries if q.category == "edge_cases")
    assert kinds == {"prose": 3, "tool": 2}
