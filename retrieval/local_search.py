"""The embedded Searcher: query analysis + BM25 over the local SQLite index."""
from __future__ import annotations

from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.models import Question, ScoredPassage
from retrieval.query import content_terms


class LocalSearcher:
    def __init__(self, *, index: LocalIndex, analyzer: Analyzer) -> None:
        self.index = index
        self.analyzer = analyzer

    def search(self, question: Question, k: int) -> list[ScoredPassage]:
        terms = content_terms(self.analyzer, question.text)
        return self.index.search_terms(terms, limit=k, groups=question.groups)
