"""In-memory BM25F over every passage, for millisecond ranking with per-term weights.

The SQLite index stays the record (passages + their analysed terms in FTS5). FTS5's bm25() needs
tens of milliseconds for an OR over a dozen common terms on a 10k-passage corpus and cannot weight
one query term above another (the asker's own words above synonyms we added). Loading the analysed
terms once into numpy postings makes scoring every passage a few vector additions.

A matrix is built once and never changed (the caches only memoise what its rows determine), and
its statistics — IDF, average field lengths, passage count — come from its own passages only. The
searcher builds one per audience, so words of documents an asker may not see cannot shift the
ranking or the abstention they get.
"""
from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
        self._rows_cache: dict[str, np.ndarray] = {}
        # Memos other modules derive from these rows (e.g. the re-ranker's sentence splits, version
        # penalties): they live and die with the matrix, so a re-index or another audience never sees
        # stale rows, and can never be paired with another generation's rows.
        self.derived: dict[object, Any] = {}
        self._spelling_cache: dict[str, str | None] = {}
        self._english_terms: dict[str, list[str]] | None = None
        self._by_article: dict[str, list[int]] = defaultdict(list)
        for row, passage in enumerate(self.passages):
            if passage.article_key and not passage.supplementary:
                self._by_article[passage.article_key].append(row)
        self._by_title: dict[str, list[int]] = defaultdict(list)
        for row, passage in enumerate(self.passages):
            self._by_title[passage.title].append(row)
        self.supplementary_rows = np.array([p.supplementary for p in self.passages], dtype=np.float32)
        self.restricted_rows = tuple(row for row, p in enumerate(self.passages) if p.allowed_groups)

    def closest_english_term(self, word: str) -> str | None:
        """The indexed English term a misspelt word most likely meant (helth -> health), or None.
        Only for words of 4+ letters, within a small edit distance, among terms starting alike."""
        if len(word) < 4 or not word.isascii() or not word.isalpha():
            return None
        if word not in self._spelling_cache:
            candidates = self._english_vocabulary().get(word[0], [])
            matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
            self._spelling_cache[word] = matches[0] if matches else None
        return self._spelling_cache[word]

    def _english_vocabulary(self) -> dict[str, list[str]]:
        if self._english_terms is None:
            by_letter: dict[str, list[str]] = defaultdict(list)
            for term in {t for field in FIELDS for t in self._postings[field]}:
                if term.isascii() and term.isalpha() and len(term) >= 3:
                    by_letter[term[0]].append(term)
            self._english_terms = dict(by_letter)
        return self._english_terms

    def rows_with(self, term: str) -> np.ndarray:
        """Rows containing `term` in any field (cached: the same words recur across questions)."""
        rows = self._rows_cache.get(term)
        if rows is None:
            parts = [self._postings[f][term].rows for f in FIELDS if term in self._postings[f]]
            rows = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int32)
            self._rows_cache[term] = rows
        return rows

    def rows_in_field(self, term: str, field: str) -> np.ndarray:
        postings = self._postings[field].get(term)
        return postings.rows if postings is not None else np.zeros(0, dtype=np.int32)

    def document_frequency(self, term: str) -> int:
        return len(self.rows_with(term))

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
