"""Term proximity for English: the question's adjacent word pairs found adjacent in a passage.

BM25 scores words one by one, so a handbook page that says "prior authorization" once ranks with
one that has "prior" in one paragraph and "authorization" in another. In English, what a question
is about is mostly a phrase ("balance billing", "out-of-pocket maximum", "clinical review
process"), and a passage that keeps the phrase together is far likelier to be about it.

Pairs are taken within a run of words between punctuation, after stop words are dropped ("cost
of care" pairs cost+care); in the passage a pair may have one other word between (measured on the
tune half of contoso-handbook: window 3 ranked better than 2, a wider question side did not);
Japanese text is not paired here (Sudachi's morphemes are not words a question and an article
share in order): retrieval.compound_proximity pairs the parts of its compound nouns instead. Only
the first stage's top candidates are scanned, and
each passage's pairs are kept for the matrix's lifetime.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from retrieval.analysis import Analyzer
from retrieval.models import Passage

Pair = tuple[str, str]


def question_pairs(text: str, terms: Iterable[str]) -> list[Pair]:
    """Adjacent pairs of the question's English search terms, in question order. A pair never
    bridges a word that is not a search term (a document name, an unknown word)."""
    wanted = set(terms)
    pairs: list[Pair] = []
    for phrase in Analyzer.english_phrases(text):
        for first, second in zip(phrase, phrase[1:]):
            if first != second and first in wanted and second in wanted and (first, second) not in pairs:
                pairs.append((first, second))
    return pairs


def passage_pairs(passage: Passage) -> frozenset[Pair]:
    """Ordered pairs of the passage's terms at most one content word apart: "prior authorization"
    also counts in "prior written authorization" (a window of three, stop words not counted)."""
    pairs: set[Pair] = set()
    for phrase in Analyzer.english_phrases(passage.text):
        pairs.update(zip(phrase, phrase[1:]))
        pairs.update(zip(phrase, phrase[2:]))
    return frozenset(pairs)


def proximity_share(pairs: Sequence[Pair], weights: Mapping[Pair, float], held: frozenset[Pair],
                    total: float | None = None) -> float:
    """The weighted share of the question's pairs that the passage holds (0..1). `total`: the
    pairs' summed weight, when the caller scores many passages for the same pairs."""
    if total is None:
        total = sum(weights[pair] for pair in pairs)
    if not total:
        return 0.0
    return sum(weights[pair] for pair in pairs if pair in held) / total


class PassagePairs:
    """Per matrix row, the passage's term pairs (`pairs_of`: the English ones by default): computed
    the first time the passage is a candidate, then kept (rows are fixed per index generation and
    audience)."""

    def __init__(self, pairs_of: Callable[[Passage], frozenset[Pair]] = passage_pairs) -> None:
        self._pairs_of = pairs_of
        self._pairs: dict[int, frozenset[Pair]] = {}

    def of(self, row: int, passage: Passage) -> frozenset[Pair]:
        pairs = self._pairs.get(row)
        if pairs is None:
            pairs = self._pairs[row] = self._pairs_of(passage)
        return pairs
