"""In-memory BM25F over every passage, for millisecond ranking with per-term weights.

The SQLite index stays the record (passages + their analysed terms in FTS5). FTS5's bm25() needs
tens of milliseconds for an OR over a dozen common terms on a 10k-passage corpus and cannot weight
one query term above another (the asker's own words above synonyms we added). Loading the analysed
terms once into numpy postings makes scoring every passage a few vector additions.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from retrieval.models import Passage

FIELDS = ("body", "title", "headings")
FIELD_WEIGHTS = {"body": 1.0, "title": 0.6, "headings": 1.5}
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class _Postings:
    rows: np.ndarray  # passage row numbers (int32, ascending)
    weights: np.ndarray  # BM25 tf saturation per posting (float32), before IDF


class TermMatrix:
    def __init__(self, passages: Sequence[Passage], analysed: Iterable[tuple[str, str, str]]) -> None:
        """`analysed` yields, per passage in the same order, its space-joined body/title/heading terms."""
        self.passages = list(passages)
        per_field: dict[str, list[list[str]]] = {field: [] for field in FIELDS}
        for body, title, headings in analysed:
            per_field["body"].append(body.split())
            per_field["title"].append(title.split())
            per_field["headings"].append(headings.split())
        self.size = len(self.passages)
        self._postings = {field: _build(per_field[field]) for field in FIELDS}
        self._df_cache: dict[str, int] = {}
        self._by_article: dict[str, list[int]] = defaultdict(list)
        for row, passage in enumerate(self.passages):
            if passage.article_key and not passage.supplementary:
                self._by_article[passage.article_key].append(row)
        self._by_title: dict[str, list[int]] = defaultdict(list)
        for row, passage in enumerate(self.passages):
            self._by_title[passage.title].append(row)

    def document_frequency(self, term: str) -> int:
        if term not in self._df_cache:
            rows = [self._postings[f][term].rows for f in FIELDS if term in self._postings[f]]
            self._df_cache[term] = len(np.unique(np.concatenate(rows))) if rows else 0
        return self._df_cache[term]

    def idf(self, term: str) -> float:
        df = self.document_frequency(term)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5)) if df else 0.0

    def scores(self, weighted_terms: Mapping[str, float]) -> np.ndarray:
        """BM25F score of every passage for terms weighted by how much we trust them."""
        total = np.zeros(self.size, dtype=np.float32)
        for term, weight in weighted_terms.items():
            idf = self.idf(term) * weight
            if not idf:
                continue
            for field in FIELDS:
                postings = self._postings[field].get(term)
                if postings is not None:
                    total[postings.rows] += postings.weights * (idf * FIELD_WEIGHTS[field])
        return total

    def presence(self, term: str, fields: Sequence[str] = FIELDS) -> np.ndarray:
        """Boolean mask of passages containing `term` in any of `fields`."""
        mask = np.zeros(self.size, dtype=bool)
        for field in fields:
            postings = self._postings[field].get(term)
            if postings is not None:
                mask[postings.rows] = True
        return mask

    def title_rows(self, title: str) -> list[int]:
        return self._by_title.get(title, [])

    def article_rows(self, article_key: str) -> list[int]:
        return self._by_article.get(article_key, [])


def _build(documents: list[list[str]]) -> dict[str, _Postings]:
    lengths = np.array([len(terms) for terms in documents], dtype=np.float32)
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    rows: dict[str, list[int]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    for row, terms in enumerate(documents):
        for term, count in Counter(terms).items():
            rows[term].append(row)
            counts[term].append(count)
    postings = {}
    for term, term_rows in rows.items():
        row_array = np.array(term_rows, dtype=np.int32)
        tf = np.array(counts[term], dtype=np.float32)
        norm = K1 * (1 - B + B * lengths[row_array] / average)
        postings[term] = _Postings(row_array, tf * (K1 + 1) / (tf + norm))
    return postings
