"""Result types of the documentation-search assistant's tools (Pydantic models)."""

from __future__ import annotations

from pydantic import BaseModel


class DocHit(BaseModel):
    page_id: str
    title: str
    score: float
    snippet: str | None = None


class SearchResult(BaseModel):
    query: str
    total: int
    hits: list[DocHit]


class Section(BaseModel):
    heading: str
    anchor: str
    text: str


class DocPage(BaseModel):
    page_id: str
    title: str
    word_count: int
    sections: list[Section]
    updated: str | None = None


class VersionList(BaseModel):
    product: str
    latest: str
    versions: list[str]
