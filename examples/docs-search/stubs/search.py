"""Tool stubs of the family "search" (the module's name): signatures only, never run."""

from __future__ import annotations

from docmodels import SearchResult


def search_docs(query: str, limit: int = 5) -> SearchResult:
    """Full-text search over the documentation; hits ranked by score."""
    raise NotImplementedError
