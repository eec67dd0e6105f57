"""Term proximity for Japanese: the question's compound nouns kept together in a passage.

Sudachi's short units split a compound into its parts (年次有給休暇 -> 年次, 有給, 休暇; 一年未満 ->
1, 年, 未満), and BM25 then scores each part on its own: an article that says 「期間を一年未満とする」
ranks with one that has 一年 in one sentence and 未満 in another. When a question writes two of
its terms as one compound (「1年未満の期間」), an article that writes them as one compound too is
far likelier to be about it. Pairs are adjacent parts of a compound (Analyzer.japanese_compounds),
on both sides; the order of the compounds in the sentence does not matter (「1年未満の期間」 and
「期間を一年未満」 share 年+未満). Only the first stage's top candidates are scanned, and each
passage's pairs are kept for the matrix's lifetime.
"""
from __future__ import annotations

from collections.abc import Iterable

from retrieval.analysis import Analyzer
from retrieval.english_proximity import Pair
from retrieval.models import Passage


def question_pairs(analyzer: Analyzer, text: str, terms: Iterable[str]) -> list[Pair]:
    """Adjacent parts of the question's compounds that are both search terms, in question order
    (a part that is no search term, such as a document name, makes no pair)."""
    wanted = set(terms)
    pairs: list[Pair] = []
    for compound in analyzer.japanese_compounds(text):
        for pair in zip(compound, compound[1:]):
            if pair[0] != pair[1] and pair[0] in wanted and pair[1] in wanted and pair not in pairs:
                pairs.append(pair)
    return pairs


def passage_pairs(analyzer: Analyzer, passage: Passage) -> frozenset[Pair]:
    """Adjacent parts of the passage's compounds (kept per row by english_proximity.PassagePairs)."""
    return frozenset(pair for compound in analyzer.japanese_compounds(passage.text)
                     for pair in zip(compound, compound[1:]))
