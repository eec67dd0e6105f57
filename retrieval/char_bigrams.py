"""Character bigrams: a coarser second view of a Japanese question's wording, for recall below the top.

The word ranking sees the units Sudachi cuts. A wording the corpus spells differently is cut into
other units, and the passage that uses it is missed: 健康診断 shares only 健康 with 健康診査, and
育児短時間勤務 has no unit 育短. Their characters still overlap (健康, 康診). BM25 over each passage's
kanji and katakana bigrams scores that overlap.

It is evidence for bringing a passage into the list, not for choosing the answer: fused into the
whole ranking it cost hit@1 and the colloquial held half (session 22). So the searcher keeps the
word ranking's first places and lets the bigrams re-order only the rest
(`LocalSearcher._with_bigram_tail`).
"""
from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

from retrieval.analysis import normalize
from retrieval.term_matrix import return_freed_heap

K1 = 1.2
B = 0.75
# A bigram counts when it holds a kanji or katakana: the words of a topic. Hiragana pairs are
# inflections and particles (って, する), as common in every passage as in the question.
_TOPICAL = re.compile(r"[\u30a1-\u30fa\u30fc\u3005\u4e00-\u9fff]")
# Runs of word characters: a bigram never spans punctuation, a space or a line break.
_RUN = re.compile(r"[0-9a-z\u3041-\u3096\u30a1-\u30fa\u30fc\u3005\u4e00-\u9fff]+")


def text_bigrams(text: str) -> list[str]:
    """Every topical bigram of the normalised text, in order, repeats kept."""
    out: list[str] = []
    for run in _RUN.findall(normalize(text).lower()):
        out.extend(pair for pair in (run[i:i + 2] for i in range(len(run) - 1)) if _TOPICAL.search(pair))
    return out


def question_bigrams(text: str) -> tuple[str, ...]:
    """The distinct topical bigrams of a question, in order of first use."""
    return tuple(dict.fromkeys(text_bigrams(text)))


class BigramIndex:
    """BM25 postings of the passages' topical bigrams, built once per term matrix (about 1 s and
    15 MB for the 11k passages of ja-regulations)."""

    def __init__(self, texts: Iterable[str]) -> None:
        vocabulary: dict[str, int] = {}
        ids = array("i")
        lengths = array("i")
        for text in texts:
            pairs = text_bigrams(text)
            ids.extend([vocabulary.setdefault(pair, len(vocabulary)) for pair in pairs])
            lengths.append(len(pairs))
        self.size = len(lengths)
        counts_per_row = np.asarray(lengths, dtype=np.int64)
        rows = np.repeat(np.arange(self.size, dtype=np.int64), counts_per_row)
        width = max(self.size, 1)
        # One sort of (bigram, row) keys gives every bigram's rows in order, with its counts.
        keys, tf = np.unique(np.asarray(ids, dtype=np.int64) * width + rows, return_counts=True)
        key_ids = keys // width
        self._rows = (keys % width).astype(np.int32)
        length = counts_per_row.astype(np.float32)
        average = float(length.mean()) if self.size and length.mean() > 0 else 1.0
        tf = tf.astype(np.float32)
        self._weights = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length[self._rows] / average))
        starts = np.searchsorted(key_ids, np.arange(len(vocabulary) + 1)).tolist()
        self._slices = {pair: (starts[i], starts[i + 1]) for pair, i in vocabulary.items()}
        del ids, keys, key_ids, rows
        # The millions of transient two-character strings leave holes in the C heap: without this
        # the server's RSS keeps about 50 MB of them (ja-regulations, bench/memory.py).
        return_freed_heap()

    def scores(self, bigrams: Sequence[str]) -> np.ndarray:
        """BM25 of every passage for these (distinct) bigrams."""
        total = np.zeros(self.size, dtype=np.float32)
        for pair in bigrams:
            span = self._slices.get(pair)
            if span is None:
                continue
            start, end = span
            idf = math.log(1 + (self.size - (end - start) + 0.5) / (end - start + 0.5))
            total[self._rows[start:end]] += idf * self._weights[start:end]
        return total
