"""Naive retrieval baselines, reported beside our retriever so its gains can be read against them.

Each kind is a plain FTS5 BM25 over the passage body, with no synonyms, titles or re-ranking:
  trigram  FTS5's own trigram tokenizer; the question cut into overlapping 3-character phrases.
           It cannot match a 1-2 character word (休暇 alone) - the weakness this baseline documents.
  bigram   overlapping character bigrams (whole words for ASCII), pre-tokenised into unicode61.
  sudachi  Sudachi terms into unicode61, the same analysis our index uses, minus everything else.
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import unicodedata
from contextlib import closing
from pathlib import Path
from collections.abc import Sequence

from retrieval.analysis import Analyzer, normalize
from retrieval.local_index import _row_to_passage
from retrieval.models import Passage, Question, ScoredPassage
from retrieval.query import content_terms

NAIVE_KINDS = ("trigram", "bigram", "sudachi")
_TOKENIZE = {"trigram": "trigram", "bigram": "unicode61 remove_diacritics 0",
             "sudachi": "unicode61 remove_diacritics 0"}
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def read_passages(index_path: Path) -> list[Passage]:
    """Every passage of a built LocalIndex file, in (doc, seq) order."""
    if not Path(index_path).is_file():  # sqlite3.connect would silently create an empty file
        raise FileNotFoundError(f"index not found: {index_path}")
    with closing(sqlite3.connect(index_path)) as conn:
        return [_row_to_passage(row) for row in conn.execute("SELECT * FROM passages ORDER BY doc, seq")]


def _is_word_char(ch: str) -> bool:
    """unicode61's default token characters (L*, N*, Co); everything else is whitespace/punctuation to it,
    so the bigram tokens and the trigram pieces we keep are exactly what FTS5 would see as text."""
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of word characters; ASCII words stay whole (a bigram of
    'leave' is noise). A run of one character (条 in 第38条) is kept as itself rather than lost."""
    out: list[str] = []
    flat = normalize(text).lower()
    for run in re.split(r"([a-z0-9]+)", flat):
        if _ASCII_WORD.fullmatch(run):
            out.append(run)
            continue
        for piece in "".join(c if _is_word_char(c) else " " for c in run).split():
            out.extend([piece] if len(piece) == 1 else [piece[i:i + 2] for i in range(len(piece) - 1)])
    return out


def trigrams(text: str) -> list[str]:
    """All overlapping 3-character pieces of the question, minus pieces that are only separators."""
    flat = normalize(text)
    pieces = (flat[i:i + 3] for i in range(len(flat) - 2))
    return [p for p in pieces if any(_is_word_char(c) for c in p)]


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class NaiveSearcher:
    """A Searcher over its own FTS5 table; rowid i is passages[i]."""

    def __init__(self, kind: str, passages: Sequence[Passage], *, analyzer: Analyzer | None = None,
                 db_path: Path | None = None) -> None:
        if kind not in NAIVE_KINDS:
            raise ValueError(f"unknown naive baseline {kind!r}; expected one of {', '.join(NAIVE_KINDS)}")
        self.kind = kind
        self.passages = list(passages)
        self.analyzer = analyzer or (Analyzer() if kind == "sudachi" else None)
        # The pipeline may call search() from a worker thread; the lock keeps one query at a time.
        self._conn = sqlite3.connect(":memory:" if db_path is None else str(db_path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._conn:
            self._conn.execute("DROP TABLE IF EXISTS naive")  # a re-used db_path is rebuilt, never appended
            self._conn.execute(f"CREATE VIRTUAL TABLE naive USING fts5(body, tokenize = '{_TOKENIZE[kind]}')")
            self._conn.executemany("INSERT INTO naive(rowid, body) VALUES (?, ?)",
                                   ((i, self._document(p.text)) for i, p in enumerate(self.passages)))

    def _sudachi(self) -> Analyzer:
        if self.analyzer is None:  # only trigram and bigram run without one (checked in __init__)
            raise ValueError(f"the {self.kind!r} baseline needs an analyzer")
        return self.analyzer

    def _document(self, text: str) -> str:
        if self.kind == "trigram":
            return normalize(text)  # NFKC on both sides, so ２ in a passage matches 2 in a question
        if self.kind == "bigram":
            return " ".join(bigrams(text))
        return " ".join(self._sudachi().terms(text))

    def _query_terms(self, text: str) -> list[str]:
        if self.kind == "trigram":
            terms = trigrams(text)
        elif self.kind == "bigram":
            terms = bigrams(text)
        else:
            terms = content_terms(self._sudachi(), text)
        return list(dict.fromkeys(t for t in terms if t.strip()))

    async def search(self, question: Question, k: int) -> list[ScoredPassage]:
        return await asyncio.to_thread(self.rank, question, k)

    async def aclose(self) -> None:
        pass

    def rank(self, question: Question, k: int) -> list[ScoredPassage]:
        terms = self._query_terms(question.text)
        if not terms or k < 1:
            return []
        match = " OR ".join(_phrase(t) for t in terms)
        groups = set(question.groups)
        out: list[ScoredPassage] = []
        with self._lock:
            rows = self._conn.execute("SELECT rowid, bm25(naive) FROM naive WHERE naive MATCH ? ORDER BY bm25(naive)",
                                      (match,))
            # Same rule as LocalIndex: documents without allowed_groups are public, others need a shared group.
            for rowid, rank in rows:
                passage = self.passages[rowid]
                if not passage.allowed_groups or groups & set(passage.allowed_groups):
                    out.append(ScoredPassage(passage, -rank))  # FTS5 bm25 is lower-is-better
                    if len(out) == k:
                        break
        return out

    def close(self) -> None:
        self._conn.close()
