"""What a question is about: its content terms, with chat filler and question words removed."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from retrieval.analysis import Analyzer

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=None)
def load_word_list(name: str) -> frozenset[str]:
    """A reviewed word list from retrieval/data (one entry per line, # comments)."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def content_terms(analyzer: Analyzer, text: str) -> list[str]:
    stop = load_word_list("query_stopwords.txt")
    return [t for t in analyzer.terms(text) if t not in stop]
