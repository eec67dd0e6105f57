"""Builds the long-lived collaborators from settings, once (the composition root's helpers)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.build import Indexer, IndexSummary
from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher
from retrieval.pipeline import AnswerPipeline
from retrieval.tokens import TokenCounter
from settings import Settings


@dataclass
class Services:
    settings: Settings
    analyzer: Analyzer
    index: LocalIndex
    indexer: Indexer
    pipeline: AnswerPipeline

    def close(self) -> None:
        self.index.close()

    def warm_up(self) -> None:
        """Pay start-up costs (dictionary, postings) before the first user waits for them."""
        warm_up = getattr(self.pipeline.searcher, "warm_up", None)
        if warm_up is not None:
            warm_up()


def build_services(settings: Settings, *, index_path: Path | None = None) -> Services:
    analyzer = Analyzer(settings.sudachi_split_mode)
    tokens = TokenCounter(cache_dir=str(settings.tiktoken_cache_dir) if settings.tiktoken_cache_dir else None)
    index = LocalIndex(index_path or settings.index_path)
    pipeline = AnswerPipeline(
        searcher=LocalSearcher(index=index, analyzer=analyzer),
        answerer=ExtractiveAnswerer(analyzer=analyzer),
        top_k=settings.top_k,
    )
    indexer = Indexer(index=index, analyzer=analyzer, tokens=tokens, max_tokens=settings.max_passage_tokens)
    return Services(settings=settings, analyzer=analyzer, index=index, indexer=indexer, pipeline=pipeline)


class IndexAdmin:
    """What the /status and /reindex Teams commands do. One re-index at a time."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = threading.Lock()

    def status(self) -> str:
        stats = self._services.index.stats()
        return (f"documents {stats['documents']}, passages {stats['passages']},"
                f" last indexed {stats['last_indexed']} (UTC), corpus {self._services.settings.corpus_dir.name}")

    def reindex(self) -> str:
        if not self._lock.acquire(blocking=False):
            return "a re-index is already running"
        try:
            summary: IndexSummary = self._services.indexer.run(self._services.settings.corpus_dir)
            failed = "".join(f"\n- {doc}: {why}" for doc, why in summary.failed)
            return summary.line() + failed
        finally:
            self._lock.release()
