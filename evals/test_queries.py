"""The query suite as tests: one item per query, marked with its category and tool families.

Items come from the plugin's ``pytest_generate_tests`` (so ``--queries FILE`` swaps the suite);
select with ``-m git``, ``-m "lsp and not multi_turn"`` or ``-k st_git_status``.
"""

from __future__ import annotations

from punie_eval.queries import Query
from punie_eval.reporting.explain import assert_strict
from punie_eval.types import QueryScore


def test_query(punie_query: Query, punie_score: QueryScore) -> None:
    """The model's answer passes every scoring layer of every turn (strict)."""
    assert_strict(punie_query, punie_score)
