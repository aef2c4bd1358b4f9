"""Markdown, text and HTML renderings of a comparison."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from results_builder import Q, outcomes, results, write

from punie_eval.reporting.compare import Comparison, compare
from punie_eval.reporting.rendering import SHORT_RESPONSE, to_html, to_markdown, to_text
from punie_eval.reporting.results import read_results as load_results

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr", "track", "embed"}
SVG_LEAVES = {"line", "path", "rect", "circle"}


def _comparison(tmp_path: Path) -> Comparison:
    """A rejected candidate: one critical regression, one fix, two categories."""
    baseline = [Q("st-1", "single_tool", True, critical=True, response="<tool_call>ok</tool_call>")]
    baseline += [Q("st-2", "single_tool", False, response="I'll run ruff.\n```python\nruff()\n```")]
    baseline += outcomes("cross_tool", 3, 1)
    candidate = [Q("st-1", "single_tool", False, critical=True, response="Let me <check> & see " + "x" * 900)]
    candidate += [Q("st-2", "single_tool", True, response="<tool_call>ruff_check('src/')</tool_call>")]
    candidate += outcomes("cross_tool", 3, 1)
    base = load_results(write(tmp_path, "b.json", results(baseline, model="base-model")))
    cand = load_results(write(tmp_path, "c.json", results(candidate, model="cand-model")))
    return compare(base, cand)


class _Checker(HTMLParser):
    """Records the open-tag stack; fails on a closing tag that does not match."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.bars: list[tuple[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag == "rect" and "bar" in (attributes.get("class") or "").split():
            self.bars.append((attributes.get("data-category") or "", attributes.get("class") or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    return checker


def test_report_markdown_starts_with_the_verdict(tmp_path: Path) -> None:
    """The first line of the Markdown is the verdict."""
    first = to_markdown(_comparison(tmp_path)).splitlines()[0]
    assert first.startswith("## ")
    assert "REJECT" in first
    assert "cand-model" in first


@pytest.mark.parametrize(
    "expected",
    [
        "| single_tool | 2 | 1/2 50.0% [9-91] | 1/2 50.0% [9-91] | +0.0 pp |",
        "| cross_tool | 4 |",
        "| **overall** | 6 |",
        "McNemar on strict outcomes of 6 paired queries: 1 pass→fail, 1 fail→pass; exact p = 1",
        "critical query 'st-1' (single_tool) regressed pass→fail",
    ],
    ids=["category-row", "second-category", "overall-row", "mcnemar", "reason"],
)
def test_report_markdown_contains_table_and_lines(tmp_path: Path, expected: str) -> None:
    """The Markdown holds the per-category table, the McNemar line and the reasons."""
    assert expected in to_markdown(_comparison(tmp_path))


def test_report_markdown_folds_flips_in_details_regressions_first(tmp_path: Path) -> None:
    """Each flip is a <details> block; the regression comes before the fix."""
    md = to_markdown(_comparison(tmp_path))
    assert md.count("<details>") == md.count("</details>") == 2
    assert md.index("<code>st-1</code>") < md.index("<code>st-2</code>")


def test_report_markdown_cuts_long_responses(tmp_path: Path) -> None:
    """Responses in Markdown are cut to SHORT_RESPONSE characters."""
    md = to_markdown(_comparison(tmp_path))
    assert "x" * (SHORT_RESPONSE + 1) not in md
    assert "more characters]" in md


def test_report_markdown_fences_survive_backticks_in_responses(tmp_path: Path) -> None:
    """A response containing ``` is wrapped in a longer fence."""
    assert "````text\nI'll run ruff.\n```python" in to_markdown(_comparison(tmp_path))


def test_report_text_ends_with_the_verdict(tmp_path: Path) -> None:
    """The terminal text lists flips and ends with the verdict and its reasons."""
    text = to_text(_comparison(tmp_path))
    assert "pass→fail  st-1 (single_tool) [critical]: now fails:" in text
    assert text.rstrip().splitlines()[-2].startswith("verdict: REJECT")


def test_report_html_is_well_formed(tmp_path: Path) -> None:
    """Every tag in the HTML page is closed in order."""
    checker = _parse(to_html(_comparison(tmp_path)))
    assert (checker.errors, checker.stack) == ([], [])


def test_report_html_has_one_bar_pair_per_category(tmp_path: Path) -> None:
    """The inline SVG has a baseline and a candidate bar for each category and overall."""
    checker = _parse(to_html(_comparison(tmp_path)))
    assert "svg" in checker.tags
    assert sorted(checker.bars) == sorted(
        (cat, f"bar {side}") for cat in ("single_tool", "cross_tool", "overall") for side in ("baseline", "candidate")
    )


def test_report_html_is_self_contained(tmp_path: Path) -> None:
    """No scripts and no external assets."""
    page = to_html(_comparison(tmp_path))
    checker = _parse(page)
    assert not checker.tags & {"script", "link", "img", "iframe"}
    assert "src=" not in page
    assert "url(" not in page


def test_report_html_escapes_responses(tmp_path: Path) -> None:
    """Model output is escaped, never interpreted as markup."""
    page = to_html(_comparison(tmp_path))
    assert "Let me &lt;check&gt; &amp; see" in page
    assert "<check>" not in page
