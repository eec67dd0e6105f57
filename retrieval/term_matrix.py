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

import ctypes
import difflib
import math
from array import array
from collections import defaultdict
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


_NO_ROWS = np.zeros(0, dtype=np.intp)
_NO_ROWS.flags.writeable = False  # shared by every absent word

class TermMatrix:
    def __init__(self, passages: Sequence[Passage],
                 analysed: AnalysedTerms | Iterable[tuple[str, str, str]]) -> None:
        """`analysed` yields, per passage in the same order, its space-joined body/title/heading terms
        (consumed one passage at a time, so a generator over a database cursor is fine), or is an
        `AnalysedTerms` already gathered from them (e.g. one audience's rows of a snapshot)."""
        self.passages = list(passages)
        terms = analysed if isinstance(analysed, AnalysedTerms) else AnalysedTerms(analysed)
        self.size = len(self.passages)
        self._postings = {field: terms.fields[field].postings() for field in FIELDS}
        del terms
        return_freed_heap()
        # Per query term (filled as questions use them): rows as native index integers, which numpy
        # indexes with several times faster than the postings' compact int32.
        self._rows_cache: dict[str, np.ndarray] = {}
        self._idf_cache: dict[str, float] = {}
        self._field_rows_cache: dict[str, tuple[tuple[str, np.ndarray, np.ndarray], ...]] = {}
        self._title_arrays: dict[str, np.ndarray] = {}
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
        """Rows containing `term` in any field, ascending (cached: the same words recur across
        questions)."""
        rows = self._rows_cache.get(term)
        if rows is None:
            parts = [self._postings[f][term].rows for f in FIELDS if term in self._postings[f]]
            if not parts:  # not cached: the caches stay bounded by the vocabulary, whatever is asked
                return _NO_ROWS
            rows = self._rows_cache[term] = np.unique(np.concatenate(parts)).astype(np.intp)
        return rows

    def _field_postings(self, term: str) -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
        """(field, rows, tf weights) of each field holding `term`, rows as index integers (cached)."""
        found = self._field_rows_cache.get(term)
        if found is None:
            found = tuple((field, postings.rows.astype(np.intp), postings.weights)
                          for field in FIELDS if (postings := self._postings[field].get(term)) is not None)
            if found:  # a word of the index (absent words are not kept: see rows_with)
                self._field_rows_cache[term] = found
        return found

    def rows_in_field(self, term: str, field: str) -> np.ndarray:
        for name, rows, _weights in self._field_postings(term):
            if name == field:
                return rows
        return _NO_ROWS

    def document_frequency(self, term: str) -> int:
        return len(self.rows_with(term))

    def idf(self, term: str) -> float:
        # Cached: a question asks for its terms' IDF dozens of times (features, confidence, rerank).
        idf = self._idf_cache.get(term)
        if idf is None:
            df = self.document_frequency(term)
            if not df:
                return 0.0
            idf = self._idf_cache[term] = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
        return idf

    def scores(self, weighted_terms: Mapping[str, float]) -> np.ndarray:
        """BM25F score of every passage for terms weighted by how much we trust them."""
        total = np.zeros(self.size, dtype=np.float32)
        for term, weight in weighted_terms.items():
            idf = self.idf(term) * weight
            if not idf:
                continue
            for field, rows, weights in self._field_postings(term):
                total[rows] += weights * (idf * FIELD_WEIGHTS[field])
        return total

    def title_rows(self, title: str) -> list[int]:
        return self._by_title.get(title, [])

    def title_row_array(self, title: str) -> np.ndarray:
        """`title_rows` as an index array (cached)."""
        rows = self._title_arrays.get(title)
        if rows is None:
            rows = self._title_arrays[title] = np.array(self._by_title.get(title, []), dtype=np.intp)
        return rows

    def article_rows(self, article_key: str) -> list[int]:
        return self._by_article.get(article_key, [])


def return_freed_heap() -> None:
    """Hand the C heap the build freed back to the OS (glibc only; a no-op elsewhere).

    glibc's free() keeps freed memory inside the process unless it sits at the very top of the
    heap, so the transient lists, row tuples and strings of a build stay in RSS as holes between
    the objects that live on. malloc_trim(0) releases every free page in those holes (measured:
    about 15 MB on the ja-regulations index, in about 1 ms)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc; musl, macOS and Windows lack it
        except (AttributeError, OSError, TypeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None  # None: not looked up yet; False: this libc has none


class AnalysedTerms:
    """Every passage's analysed terms per field, as integer ids in flat arrays.

    Splitting every passage into Python lists at once (millions of small str objects) costs several
    times the finished postings, and CPython's allocator keeps most of that heap after it is freed,
    so the server's RSS would carry the build peak for its whole life. Here one passage's words are
    alive at a time; what accumulates is 4 bytes per word occurrence plus one string per distinct
    term — compact enough for an index snapshot to keep, to build another audience's matrix from
    without re-reading or re-splitting text."""

    def __init__(self, analysed: Iterable[tuple[str, str, str]] = ()) -> None:
        self.fields = {field: _FieldTerms() for field in FIELDS}
        body, title, headings = (self.fields[field] for field in FIELDS)
        for body_terms, title_terms, heading_terms in analysed:
            body.add(body_terms)
            title.add(title_terms)
            headings.add(heading_terms)

    def __len__(self) -> int:
        return len(self.fields["body"].lengths)

    def select(self, rows: Sequence[int]) -> AnalysedTerms:
        """The terms of these passages only (ascending rows), as if gathered from their text alone."""
        chosen = AnalysedTerms()
        chosen.fields = {field: self.fields[field].select(np.asarray(rows, dtype=np.int64)) for field in FIELDS}
        return chosen


class _FieldTerms:
    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}  # term -> id, in order of first occurrence
        self.term_ids: array | np.ndarray = array("i")  # every occurrence, passage after passage
        self.lengths: array | np.ndarray = array("i")  # terms per passage

    def add(self, text: str) -> None:
        # Only while gathering: both are still growable arrays here (select() makes numpy copies).
        if not (isinstance(self.term_ids, array) and isinstance(self.lengths, array)):
            raise RuntimeError("terms cannot be added to a selection of another gathering")
        terms = text.split()
        vocabulary = self.vocabulary
        self.term_ids.extend([vocabulary.setdefault(term, len(vocabulary)) for term in terms])
        self.lengths.append(len(terms))

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.term_ids, dtype=np.int32), np.asarray(self.lengths, dtype=np.int32)

    def select(self, rows: np.ndarray) -> _FieldTerms:
        term_ids, lengths = self._arrays()
        keep = np.zeros(len(lengths), dtype=bool)
        keep[rows] = True
        ids = term_ids[np.repeat(keep, lengths)]
        # Renumber the surviving terms in order of first occurrence among these rows, as gathering
        # them from these passages' text would have.
        present, first = np.unique(ids, return_index=True)
        order = present[np.argsort(first, kind="stable")]
        renumber = np.zeros(len(self.vocabulary), dtype=np.int32)
        renumber[order] = np.arange(len(order), dtype=np.int32)
        by_id = list(self.vocabulary)
        chosen = _FieldTerms()
        chosen.vocabulary = {by_id[old]: new for new, old in enumerate(order.tolist())}
        chosen.term_ids = renumber[ids]
        chosen.lengths = lengths[rows]
        return chosen

    def postings(self) -> dict[str, _Postings]:
        """BM25 postings per term: rows ascending, with tf saturation against this field's lengths."""
        term_ids, counts_per_row = self._arrays()
        size = len(counts_per_row)
        lengths = counts_per_row.astype(np.float32)
        average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        rows = np.repeat(np.arange(size, dtype=np.int64), counts_per_row)
        # One sort of (term, row) keys yields every term's postings in row order with its counts.
        keys, counts = np.unique(term_ids.astype(np.int64) * max(size, 1) + rows, return_counts=True)
        del rows
        key_terms = keys // max(size, 1)
        row_array = (keys % max(size, 1)).astype(np.int32)
        del keys
        tf = counts.astype(np.float32)
        norm = K1 * (1 - B + B * lengths[row_array] / average)
        weights = tf * (K1 + 1) / (tf + norm)
        starts = np.searchsorted(key_terms, np.arange(len(self.vocabulary) + 1)).tolist()
        # Every term occurs at least once, so id i owns the slice starts[i]:starts[i + 1]; the
        # postings are views of two flat arrays rather than thousands of small allocations.
        return {term: _Postings(row_array[starts[i]:starts[i + 1]], weights[starts[i]:starts[i + 1]])
                for term, i in self.vocabulary.items()}
