"""Tool stubs of the family "pages" (the module's name): signatures only, never run."""

from __future__ import annotations

from docmodels import DocPage, VersionList


def get_page(page_id: str) -> DocPage:
    """One documentation page with its sections."""
    raise NotImplementedError


def list_versions(product: str) -> VersionList:
    """The documented versions of a product, newest first."""
    raise NotImplementedError
