"""Does a training prompt leak an evaluation query? Exact and near-duplicate matching.

Texts are normalised first: NFKC, lower case, every run of characters other than letters,
digits and ``_`` becomes one space (so punctuation, quotes and backticks do not matter).
A training prompt LEAKS an eval prompt when any of these holds:

1. exact: the normalised texts are equal;
2. near (edit): ``rapidfuzz.fuzz.ratio >= 90`` on the normalised texts: a typo, a changed
   word or punctuation edit of the same sentence. 90 keeps distinct requests of the same
   intent apart ("What's the git status?" vs "Show the current git status" scores ~62),
   while a one-word edit of a 5-word prompt still scores >= 90;
3. near (wrapped): ``fuzz.token_set_ratio >= 90`` AND the training prompt contains at least
   80% of the eval prompt's distinct tokens: the eval prompt reordered or wrapped in
   "Can you …, thanks". The coverage condition stops a short prompt that merely shares a
   few words ("git status") from matching every longer eval prompt that contains them;
4. near (template): ``fuzz.ratio >= 95`` after masking slot values (paths → PATH, numbers
   → N, identifiers with ``_`` or inner capitals → SYM): the eval sentence with only its
   file, symbol and numbers swapped is still the eval sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

EDIT_THRESHOLD = 90.0
WRAP_THRESHOLD = 90.0
WRAP_COVERAGE = 0.8
TEMPLATE_THRESHOLD = 95.0

_PATH = re.compile(r"[\w.-]*/[\w./-]*|[\w-]+\.(?:py|md|toml|json|txt|cfg|ini|yaml|yml)\b")
_NUMBER = re.compile(r"\b\d+\b")
_IDENT = re.compile(r"\b(?:[a-z]+_[a-z0-9_]+|[A-Z][a-z0-9]+[A-Z]\w*)\b")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _NON_WORD.sub(" ", text).strip()


def mask(text: str) -> str:
    """Slot values replaced by placeholders, then normalised."""
    text = _PATH.sub(" PATH ", unicodedata.normalize("NFKC", text))
    text = _IDENT.sub(" SYM ", text)
    return normalise(_NUMBER.sub(" N ", text))


@dataclass(frozen=True)
class Leak:
    prompt: str  # the training prompt
    query_id: str
    query_prompt: str
    rule: str  # exact, edit, wrapped, template
    score: float


class _QueryLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def prompt(self) -> str: ...


class SuiteLike(Protocol):
    @property
    def queries(self) -> Sequence[_QueryLike]: ...


@dataclass(frozen=True)
class _Eval:
    query_id: str
    prompt: str
    norm: str
    masked: str
    tokens: frozenset[str]


class LeakIndex:
    """The eval prompts, prepared once; ``check(prompt)`` is cheap enough for 100k prompts."""

    def __init__(self, queries: Iterable[tuple[str, str]]) -> None:
        self._evals = [
            _Eval(qid, prompt, normalise(prompt), mask(prompt), frozenset(normalise(prompt).split()))
            for qid, prompt in queries
        ]
        self._exact = {e.norm: e for e in self._evals}
        self._norms = [e.norm for e in self._evals]
        self._masks = [e.masked for e in self._evals]

    @classmethod
    def of_suite(cls, suite: SuiteLike) -> LeakIndex:
        """The index of a query suite's prompts."""
        return cls((q.id, q.prompt) for q in suite.queries)

    @classmethod
    def of_suites(cls, *suites: SuiteLike) -> LeakIndex:
        """The index of several suites' prompts (a query in more than one of them counted once)."""
        return cls(dict.fromkeys((q.id, q.prompt) for suite in suites for q in suite.queries))

    def check(self, prompt: str) -> Leak | None:
        norm = normalise(prompt)
        if (hit := self._exact.get(norm)) is not None:
            return Leak(prompt, hit.query_id, hit.prompt, "exact", 100.0)
        best = process.extractOne(norm, self._norms, scorer=fuzz.ratio, score_cutoff=EDIT_THRESHOLD)
        if best is not None:
            e = self._evals[best[2]]
            return Leak(prompt, e.query_id, e.prompt, "edit", best[1])
        tokens = frozenset(norm.split())
        for e in self._evals:
            if len(e.tokens & tokens) >= WRAP_COVERAGE * len(e.tokens):
                score = fuzz.token_set_ratio(norm, e.norm)
                if score >= WRAP_THRESHOLD:
                    return Leak(prompt, e.query_id, e.prompt, "wrapped", score)
        best = process.extractOne(mask(prompt), self._masks, scorer=fuzz.ratio, score_cutoff=TEMPLATE_THRESHOLD)
        if best is not None:
            e = self._evals[best[2]]
            return Leak(prompt, e.query_id, e.prompt, "template", best[1])
        return None

    def leaks(self, prompts: Sequence[str]) -> list[Leak]:
        return [leak for p in dict.fromkeys(prompts) if (leak := self.check(p)) is not None]
