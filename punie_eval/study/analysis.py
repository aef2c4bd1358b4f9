"""The seed's study, reproduced: does removing preambles from the training data fix the model?

Three corpora, one training recipe (the reference model's, unchanged), several seeds each::

    (a) mixed              data/corpus/mixed, as is (the seed's inconsistent data)
    (b) preambles_removed  mixed after ``clean --only preambles`` (the seed's fix alone)
    (c) clean              data/corpus/clean (every kind of cleaning)

Each model is scored on the 57-query main suite and on the held-out suite. This module holds
the pure part: aggregation of one suite's results documents into per-category spread over
seeds, diagnosis counts per tool family, and paired outcomes for McNemar. Running the builds
and evaluations is in ``run.py``; rendering in ``report.py`` (Markdown, HTML) and ``chart.py``.

Pooling over seeds: for arms X and Y, each (query, seed) is one pair — the query scored on
the seed-s model of X and on the seed-s model of Y (same seed, same init and batch-order
seed). The discordant counts b (pass→fail) and c (fail→pass) are summed over seeds and one
exact McNemar test is run on the sums. This treats the queries x seeds pairs as independent,
which they are not quite (the same query recurs in every seed), so the pooled p-value is
optimistic; the per-seed tests are reported next to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from punie_eval.queries import CATEGORIES
from punie_eval.reporting.stats import mcnemar_exact, mcnemar_midp

Document = Mapping[str, Any]
OVERALL = "overall"
GATE_FAILED = "gate_failed"  # pseudo-label: turns whose gate layer failed (call missing or unwanted)


@dataclass(frozen=True)
class Arm:
    name: str
    label: str


ARMS = (
    Arm("mixed", "(a) mixed, as is"),
    Arm("preambles_removed", "(b) mixed, preambles removed only"),
    Arm("clean", "(c) fully cleaned"),
)
SHORT = {"mixed": "(a) mixed", "preambles_removed": "(b) preambles removed", "clean": "(c) clean"}
COMPARISONS = (("mixed", "preambles_removed"), ("preambles_removed", "clean"), ("mixed", "clean"))


@dataclass(frozen=True)
class Spread:
    """Mean, min and max of one rate over seeds (fractions in [0, 1])."""

    mean: float
    low: float
    high: float
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        vals = tuple(values)
        if not vals:
            raise ValueError("Spread.of: need at least one value")
        return cls(sum(vals) / len(vals), min(vals), max(vals), vals)


@dataclass(frozen=True)
class CategorySpread:
    name: str
    n: int  # queries per run
    soft: Spread
    strict: Spread


@dataclass(frozen=True)
class Paired:
    """Paired strict outcomes of a base and a candidate: b = pass→fail, c = fail→pass."""

    n: int
    both_pass: int
    both_fail: int
    b: int
    c: int

    @property
    def p_exact(self) -> float:
        return mcnemar_exact(self.b, self.c)

    @property
    def p_midp(self) -> float:
        return mcnemar_midp(self.b, self.c)

    def __add__(self, other: Paired) -> Paired:
        return Paired(
            self.n + other.n,
            self.both_pass + other.both_pass,
            self.both_fail + other.both_fail,
            self.b + other.b,
            self.c + other.c,
        )


def _queries(doc: Document) -> list[Mapping[str, Any]]:
    queries = doc.get("queries")
    if not isinstance(queries, list):
        raise ValueError("results document must have a queries list")
    return queries


def category_counts(doc: Document) -> dict[str, tuple[int, int, int]]:
    """``{category: (n, soft, strict)}`` counted from the queries, plus ``overall``; suite order."""
    counts: dict[str, list[int]] = {}
    for q in _queries(doc):
        for name in (q["category"], OVERALL):
            row = counts.setdefault(name, [0, 0, 0])
            row[0] += 1
            row[1] += int(bool(q["soft"]))
            row[2] += int(bool(q["strict"]))
    order = [c for c in CATEGORIES if c in counts] + sorted(set(counts) - set(CATEGORIES) - {OVERALL})
    return {name: (counts[name][0], counts[name][1], counts[name][2]) for name in [*order, OVERALL]}


def category_spread(docs: Sequence[Document]) -> list[CategorySpread]:
    """Soft and strict accuracy per category (and overall) over the runs of one arm."""
    if not docs:
        raise ValueError("category_spread: need at least one results document")
    per_run = [category_counts(d) for d in docs]
    names = list(per_run[0])
    for counts in per_run[1:]:
        if list(counts) != names or any(counts[k][0] != per_run[0][k][0] for k in names):
            raise ValueError("category_spread: runs must score the same queries")
    return [
        CategorySpread(
            name=name,
            n=per_run[0][name][0],
            soft=Spread.of(c[name][1] / c[name][0] for c in per_run),
            strict=Spread.of(c[name][2] / c[name][0] for c in per_run),
        )
        for name in names
    ]


def diagnosis_counts(docs: Iterable[Document]) -> dict[str, Counter[str]]:
    """``{family: Counter(label)}`` over every turn of every query of every run.

    A query whose tools span several families (``families: ["git", "quality"]``) counts once
    for each. ``gate_failed`` counts turns whose gate layer failed: a prose answer where a
    call was expected (or the reverse), whatever the wire diagnosis says.
    """
    out: dict[str, Counter[str]] = {}
    for doc in docs:
        for q in _queries(doc):
            for turn in q.get("turns") or []:
                label = str((turn.get("diagnosis") or {}).get("label", "unknown"))
                gate_failed = any(
                    layer.get("name") == "gate" and not layer.get("passed") for layer in turn.get("layers") or []
                )
                for family in q.get("families") or ["none"]:
                    counter = out.setdefault(str(family), Counter())
                    counter[label] += 1
                    if gate_failed:
                        counter[GATE_FAILED] += 1
    return dict(sorted(out.items()))


def paired(base: Document, candidate: Document) -> Paired:
    """Strict outcomes paired by query id (ids present in both runs only)."""
    base_by_id = {q["id"]: bool(q["strict"]) for q in _queries(base)}
    pairs = [(base_by_id[q["id"]], bool(q["strict"])) for q in _queries(candidate) if q["id"] in base_by_id]
    return Paired(
        n=len(pairs),
        both_pass=sum(1 for x, y in pairs if x and y),
        both_fail=sum(1 for x, y in pairs if not x and not y),
        b=sum(1 for x, y in pairs if x and not y),
        c=sum(1 for x, y in pairs if not x and y),
    )


def pooled(
    base_runs: Mapping[int, Document], candidate_runs: Mapping[int, Document]
) -> tuple[dict[int, Paired], Paired]:
    """Per-seed pairs for the seeds both arms ran, and their sum (one McNemar test on the pooled pairs)."""
    seeds = sorted(set(base_runs) & set(candidate_runs))
    per_seed = {s: paired(base_runs[s], candidate_runs[s]) for s in seeds}
    total = Paired(0, 0, 0, 0, 0)
    for p in per_seed.values():
        total = total + p
    return per_seed, total


def turn1_labels(doc: Document, label: str) -> list[str]:
    """Ids of queries whose FIRST turn carries ``label`` (e.g. preamble_then_stop)."""
    out = []
    for q in _queries(doc):
        turns = q.get("turns") or []
        if turns and (turns[0].get("diagnosis") or {}).get("label") == label:
            out.append(str(q["id"]))
    return out
