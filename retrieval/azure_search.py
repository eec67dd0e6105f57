"""The Azure AI Search backend: an IndexWriter for the indexer and a Searcher for the pipeline.

Writing is a batch job (CLI or the /reindex thread), so it uses the synchronous SDK client;
searching happens on the bot's event loop and uses the async client. Passages go in and come out
as our own dataclasses; SDK types stay inside the retrieval/azure_* modules.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, UTC
from collections.abc import Callable, Iterable, Iterator, Sequence

from retrieval import azure_index_schema as schema
from retrieval.azure_filters import any_of, equals, group_filter
from retrieval.models import DocumentRecord, IndexedPassage, Passage, Question, ScoredPassage
from retrieval.ports import Embedder, IndexWriter, Searcher
from retrieval.whole_articles import PieceKey, piece_key, whole_article
from settings import Settings

log = logging.getLogger(__name__)

MAX_BATCH_ACTIONS = 1000  # the service's limit per indexing request
MAX_BATCH_BYTES = 12_000_000  # the request limit is 16 MB; keep a margin for JSON overhead
DOC_ID_CLAUSES = 50  # documents per `doc_id eq ...` lookup, to keep filters short
SEMANTIC_CANDIDATES = 50  # the semantic ranker re-ranks this many fused results
RETRYABLE_ITEM_STATUS = {409, 422, 429, 503}  # per-document failures the service says to retry
RETRYABLE_REQUEST_STATUS = {429, 503}
# Semantic reranker scores run 0..4; below 1 the ranker calls a passage irrelevant.
RERANKER_IRRELEVANT = 1.0
RERANKER_MAX = 4.0
# One result per article (retrieval.whole_articles): ask for this many times k pieces, so that the
# k best articles are still there after an article's later pieces are dropped.
ARTICLE_OVERFETCH = 3
# Sibling pieces are looked for this many seqs either side of the matched piece. An article's
# pieces are consecutive passages (indexer.structure), packed up to 600 tokens, so two neighbours
# together exceed a piece; MAX_ARTICLE_CHARS (~2,500 tokens) then never joins more than ~8 of them.
SIBLING_SPAN = 8


class AzureSearchError(RuntimeError):
    """Azure AI Search refused or failed a request; the message names no secret."""


def reranker_confidence(reranker_score: float | None) -> float | None:
    """`ScoredPassage.confidence` for this backend (see `Searcher.search`): the semantic reranker's
    judgement of how well the passage answers the query, 0..4, mapped linearly so that 1 (the
    ranker's "irrelevant" bound) is 0 and 4 is 1. A passage the ranker rates about 2 ("relevant")
    lands near 0.33, just over the answerers' usual 0.3 bar.

    Without a reranker score (semantic ranking unavailable or over quota: the service then
    returns plain hybrid results) the confidence is None, "unknown": hybrid scores are rank
    fusions with no absolute meaning, and answerers then use their own measure (the extractive
    answerer measures how many of the question's terms the passage holds).
    """
    if reranker_score is None:
        return None
    share = (reranker_score - RERANKER_IRRELEVANT) / (RERANKER_MAX - RERANKER_IRRELEVANT)
    return min(1.0, max(0.0, share))


# --- writing ------------------------------------------------------------------------------

@dataclass
class Backoff:
    """Retries for indexing requests: whole-request 429/503 and per-document failures (207)."""

    attempts: int = 6
    first_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after:
            try:
                return min(self.max_delay, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to exponential back-off
        return min(self.max_delay, self.first_delay * 2 ** attempt)


@dataclass(frozen=True)
class _Action:
    kind: str  # "upload" or "delete"
    document: dict

    @property
    def key(self) -> str:
        return self.document[schema.KEY]


class AzureIndexWriter:
    """IndexWriter over an Azure AI Search index (created or updated on first use).

    A document's first passage (seq 0) carries its content hash and is written last, after its
    other passages are uploaded and its stale ones deleted; a run that fails midway leaves the old
    hash (or none), so the next run redoes that document. Removed documents lose seq 0 last too.
    """

    def __init__(self, *, index_client, search_client, definition,
                 embedder_factory: Callable[[], Embedder], batch_actions: int = MAX_BATCH_ACTIONS,
                 batch_bytes: int = MAX_BATCH_BYTES, backoff: Backoff | None = None, credential=None) -> None:
        self._index_client = index_client
        self._credential = credential  # closed with the clients when it is a token credential
        self._client = search_client
        self._definition = definition
        self._embedder_factory = embedder_factory
        self._batch_actions = min(batch_actions, MAX_BATCH_ACTIONS)
        self._batch_bytes = batch_bytes
        self._backoff = backoff or Backoff()
        self._index_ready = False

    # STEP 0: the index exists with our schema (idempotent: same definition, same index)
    def ensure_index(self) -> None:
        if self._index_ready:
            return
        from azure.core.exceptions import HttpResponseError

        try:
            self._index_client.create_or_update_index(self._definition)
        except HttpResponseError as exc:
            raise AzureSearchError(f"could not create or update index {self._definition.name!r}:"
                                   f" HTTP {exc.status_code} {_service_message(exc)}") from exc
        self._index_ready = True

    def document_hashes(self) -> dict[str, str]:
        from azure.core.exceptions import ResourceNotFoundError

        try:  # only reads: a dry run must not create the index
            found = self._search_all(filter=f"{schema.SEQ} eq 0", select=[schema.DOC_ID, schema.CONTENT_HASH])
        except ResourceNotFoundError:
            return {}
        return {row[schema.DOC_ID]: row[schema.CONTENT_HASH] for row in found}

    def apply_changes(self, upserts: Iterable[tuple[DocumentRecord, list[IndexedPassage]]],
                      removals: Iterable[str] = ()) -> None:
        self.ensure_index()
        documents = [(record, [ip.passage for ip in passages]) for record, passages in upserts]
        removals = list(removals)
        new_counts = {record.doc: len(passages) for record, passages in documents}
        existing = self._existing_keys([*new_counts, *removals])
        # STEP 1: every passage but each document's first, with its embedding
        self._upload([(record, p) for record, passages in documents for p in passages if p.seq != 0])
        # STEP 2: passages no longer in a document, and removed documents (except their seq 0)
        stale = [key for doc, seq, key in existing
                 if seq != 0 and (doc not in new_counts or seq >= new_counts[doc])]
        self._send(_Action("delete", {schema.KEY: key}) for key in stale)
        # STEP 3: the first passages, whose content hash marks each document as done
        self._upload([(record, p) for record, passages in documents for p in passages if p.seq == 0])
        first_of_removed = [key for doc, seq, key in existing if seq == 0 and doc not in new_counts]
        self._send(_Action("delete", {schema.KEY: key}) for key in first_of_removed)

    def stats(self) -> dict:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            passages = self._client.get_document_count()
            documents = self._client.search(search_text="*", filter=f"{schema.SEQ} eq 0",
                                            include_total_count=True, top=0).get_count()
            latest = list(self._client.search(search_text="*", order_by=[f"{schema.INDEXED_AT} desc"], top=1,
                                              select=[schema.INDEXED_AT]))
        except ResourceNotFoundError:
            return {"documents": 0, "passages": 0, "last_indexed": None}
        last = latest[0].get(schema.INDEXED_AT) if latest else None
        return {"documents": documents or 0, "passages": passages,
                "last_indexed": _as_utc_text(last) if last else None}

    def exists(self) -> bool:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._client.get_document_count() > 0
        except ResourceNotFoundError:
            return False

    def close(self) -> None:
        self._client.close()
        self._index_client.close()
        close = getattr(self._credential, "close", None)
        if close is not None:
            close()

    # --- helpers ------------------------------------------------------------------------
    def _search_all(self, **query) -> list[dict]:
        """Every matching document (the SDK follows the service's paging)."""
        return [dict(row) for row in self._client.search(search_text="*", **query)]

    def _existing_keys(self, docs: list[str]) -> list[tuple[str, int, str]]:
        """(doc, seq, key) of the passages now indexed for these documents."""
        found = []
        for start in range(0, len(docs), DOC_ID_CLAUSES):
            chunk = docs[start:start + DOC_ID_CLAUSES]
            for row in self._search_all(filter=any_of(schema.DOC_ID, chunk),
                                        select=[schema.KEY, schema.DOC_ID, schema.SEQ]):
                found.append((row[schema.DOC_ID], int(row[schema.SEQ]), row[schema.KEY]))
        return found

    def _upload(self, items: list[tuple[DocumentRecord, Passage]]) -> None:
        indexed_at = datetime.now(UTC).isoformat()
        for start in range(0, len(items), self._batch_actions):
            chunk = items[start:start + self._batch_actions]
            vectors = self._embed([schema.embedding_text(p) for _, p in chunk])
            self._send(_Action("upload", schema.to_search_document(record, p, vector, indexed_at))
                       for (record, p), vector in zip(chunk, vectors))

    def _embed(self, texts: list[str]) -> list[list[float]]:
        """The async embedder, run to completion on this (worker) thread's own event loop; a
        fresh client each time, because async HTTP clients belong to the loop that made them."""
        async def run() -> list[list[float]]:
            embedder = self._embedder_factory()
            try:
                return await embedder.embed(texts)
            finally:
                close = getattr(embedder, "aclose", None)
                if close is not None:
                    await close()

        vectors = _run_to_completion(run)
        if len(vectors) != len(texts):
            raise AzureSearchError(f"the embedder returned {len(vectors)} vectors for {len(texts)} passages")
        return vectors

    def _send(self, actions: Iterable[_Action]) -> None:
        for batch in _batches(actions, self._batch_actions, self._batch_bytes):
            self._index_with_retry(batch)

    def _index_with_retry(self, batch: list[_Action]) -> None:
        from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
        from azure.search.documents.models import IndexDocumentsBatch

        pending = batch
        for attempt in range(self._backoff.attempts):
            request = IndexDocumentsBatch()
            request.add_upload_actions([a.document for a in pending if a.kind == "upload"])
            request.add_delete_actions([a.document for a in pending if a.kind == "delete"])
            try:
                results = self._client.index_documents(request)
            except (ServiceRequestError, ServiceResponseError) as exc:
                log.warning("indexing request failed (%s); retrying", exc.__class__.__name__)
                self._backoff.sleep(self._backoff.delay(attempt))
                continue
            except HttpResponseError as exc:
                if exc.status_code not in RETRYABLE_REQUEST_STATUS:
                    raise AzureSearchError(f"indexing request refused: HTTP {exc.status_code}"
                                           f" {_service_message(exc)}") from exc
                # azure-core types `response` as a protocol without `headers`; every transport's response has them.
                retry_after = (exc.response.headers.get("Retry-After")  # type: ignore[attr-defined]
                               if exc.response is not None else None)
                log.warning("indexing request got HTTP %s; retrying", exc.status_code)
                self._backoff.sleep(self._backoff.delay(attempt, retry_after))
                continue
            failed = {r.key: r for r in results if not r.succeeded}
            refused = [r for r in failed.values() if r.status_code not in RETRYABLE_ITEM_STATUS]
            if refused:
                raise AzureSearchError(f"{len(refused)} passage(s) refused, e.g. HTTP {refused[0].status_code}"
                                       f" {refused[0].error_message or ''}".rstrip())
            pending = [a for a in pending if a.key in failed]
            if not pending:
                return
            log.warning("%d of %d passages not indexed yet (partial failure); retrying", len(pending), len(batch))
            self._backoff.sleep(self._backoff.delay(attempt))
        raise AzureSearchError(f"gave up after {self._backoff.attempts} attempts:"
                               f" {len(pending)} passage change(s) not applied")


def _run_to_completion(make_coroutine: Callable):
    """asyncio.run, also when the caller's thread already runs an event loop (then the coroutine
    gets a short-lived thread of its own, so the caller's loop is never re-entered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _batches(actions: Iterable[_Action], max_actions: int, max_bytes: int) -> Iterator[list[_Action]]:
    import json

    batch: list[_Action] = []
    size = 0
    for action in actions:
        action_size = len(json.dumps(action.document, ensure_ascii=False).encode("utf-8"))
        if batch and (len(batch) >= max_actions or size + action_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(action)
        size += action_size
    if batch:
        yield batch


def _service_message(exc) -> str:
    error = getattr(exc, "error", None)
    return (getattr(error, "message", None) or "").strip()[:300]


def _as_utc_text(value) -> str:
    """The SDK returns DateTimeOffset fields as text; report them like the local index does."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# --- searching ----------------------------------------------------------------------------

class AzureSearcher:
    """Hybrid search (keywords + vector) with semantic re-ranking, filtered to the asker's groups.

    The query vector comes from the index's integrated Azure OpenAI vectorizer, so a question costs
    one call; pass `query_embedder` to send a vector computed here instead.
    """

    def __init__(self, *, client, timeout_seconds: float, query_embedder: Embedder | None = None,
                 semantic: bool = True, credential=None) -> None:
        self._client = client
        self._timeout = timeout_seconds
        self._query_embedder = query_embedder
        self._semantic = semantic
        self._credential = credential  # closed with the client when it is an async token credential

    async def search(self, question: Question, k: int) -> list[ScoredPassage]:
        text = question.text.strip()
        if not text:
            return []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        try:
            found = await asyncio.wait_for(self._search(text, question.groups, k, question.search_terms),
                                           self._timeout)
        except TimeoutError:
            raise AzureSearchError(f"search timed out after {self._timeout:g} s") from None
        # The sibling fetch shares the question's time budget: what is left of it.
        return await self._whole_articles(found, question.groups, deadline - loop.time())

    async def _search(self, text: str, groups: Sequence[str], k: int,
                      search_terms: Sequence[str] = ()) -> list[ScoredPassage]:
        from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError

        # Over-fetch: an article's later pieces give their places to other articles, as in the
        # local backend (LocalSearcher._one_per_article); bounded by what the ranker re-ranks.
        fetch = min(ARTICLE_OVERFETCH * k, max(k, SEMANTIC_CANDIDATES))
        # A model's statutory words for the question (retrieval.query_expansion) widen the keyword
        # query only: the vector and the semantic ranker read the question as asked.
        keywords = " ".join([text, *search_terms])
        options = dict(search_text=keywords, top=fetch, select=schema.RETRIEVED_FIELDS,
                       filter=group_filter(schema.ALLOWED_GROUPS, groups),
                       vector_queries=[await self._vector_query(text, fetch)])
        if self._semantic:
            # "partial": if the ranker is unavailable the hybrid results still come back.
            options.update(query_type="semantic", semantic_configuration_name=schema.SEMANTIC_CONFIGURATION,
                           semantic_error_mode="partial", semantic_query=text)
        try:
            results = await self._client.search(**options)
            rows = [row async for row in results]
        except ResourceNotFoundError:
            log.warning("search index not found: nothing has been indexed yet")
            return []
        except HttpResponseError as exc:
            raise AzureSearchError(f"search failed: HTTP {exc.status_code} {_service_message(exc)}") from exc
        except AzureError as exc:  # no connection, TLS, credentials
            raise AzureSearchError(f"search failed: {exc.__class__.__name__}: {str(exc)[:200]}") from exc
        return _one_per_article([_scored(row) for row in rows], k)

    async def _whole_articles(self, found: list[ScoredPassage], groups: Sequence[str],
                              seconds: float) -> list[ScoredPassage]:
        """Each result that is a piece of an article (or section) carries the whole of it, joined by
        retrieval.whole_articles like the local backend. The other pieces come from ONE extra search,
        under the asker's group filter; if it fails or runs out of time, the matched pieces are
        returned alone: a fragment still answers, a failed question does not."""
        from azure.core.exceptions import AzureError

        if not any(piece_key(r.passage) is not None for r in found):
            return found
        try:
            if seconds <= 0:
                raise TimeoutError
            pieces = await asyncio.wait_for(self._pieces_near(found, groups), seconds)
        except (TimeoutError, AzureError) as exc:
            log.warning("whole articles not fetched (%s); returning the matched pieces alone",
                        exc.__class__.__name__)
            return found
        return [_joined(r, pieces) for r in found]

    async def _pieces_near(self, found: list[ScoredPassage], groups: Sequence[str]) -> list[Passage]:
        """Passages within SIBLING_SPAN seqs of each result, in its document (and of its article, by
        the filterable article_key; a commentary block has none). Which of them are the same
        article is decided by `piece_key`: page and headings are not filterable in the index."""
        clauses = []
        for result in found:
            passage = result.passage
            if piece_key(passage) is None:
                continue
            clause = (f"{equals(schema.DOC_ID, passage.doc)} and {schema.SEQ} ge {max(0, passage.seq - SIBLING_SPAN)}"
                      f" and {schema.SEQ} le {passage.seq + SIBLING_SPAN}")
            if passage.article_key:
                clause += (f" and ({equals(schema.ARTICLE_KEY, passage.article_key)}"
                           f" or {schema.ARTICLE_KEY} eq null)")
            clauses.append(f"({clause})")
        where = f"({group_filter(schema.ALLOWED_GROUPS, groups)}) and ({' or '.join(clauses)})"
        results = await self._client.search(search_text="*", filter=where, select=schema.RETRIEVED_FIELDS,
                                            top=len(clauses) * (2 * SIBLING_SPAN + 1))
        return [schema.to_passage(row) async for row in results]

    async def _vector_query(self, text: str, k: int):
        from azure.search.documents.models import VectorizableTextQuery, VectorizedQuery

        neighbours = max(k, SEMANTIC_CANDIDATES)
        if self._query_embedder is None:
            return VectorizableTextQuery(text=text, k_nearest_neighbors=neighbours, fields=schema.CONTENT_VECTOR)
        vector = (await self._query_embedder.embed([text]))[0]
        return VectorizedQuery(vector=vector, k_nearest_neighbors=neighbours, fields=schema.CONTENT_VECTOR)

    async def aclose(self) -> None:
        await self._client.close()
        close = getattr(self._credential, "close", None)
        if close is not None and asyncio.iscoroutinefunction(close):
            await close()
        embedder_close = getattr(self._query_embedder, "aclose", None)
        if embedder_close is not None:
            await embedder_close()


def _one_per_article(ranked: list[ScoredPassage], k: int) -> list[ScoredPassage]:
    """The k best, an article's best piece standing for it; its later pieces are dropped."""
    out: list[ScoredPassage] = []
    seen: set[PieceKey] = set()
    for result in ranked:
        key = piece_key(result.passage)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(result)
        if len(out) == k:
            break
    return out


def _joined(result: ScoredPassage, pieces: list[Passage]) -> ScoredPassage:
    """The result's article joined from its pieces (in seq order), keeping its score and confidence."""
    key = piece_key(result.passage)
    if key is None:
        return result
    same = {p.seq: p for p in pieces if piece_key(p) == key}
    same[result.passage.seq] = result.passage  # the piece that matched, as ranked
    seqs = sorted(same)
    passage, focus = whole_article([same[seq] for seq in seqs], range(len(seqs)), seqs.index(result.passage.seq))
    return dataclasses.replace(result, passage=passage, focus=focus)


def _scored(row) -> ScoredPassage:
    reranker = row.get("@search.reranker_score")
    score = reranker if reranker is not None else row.get("@search.score") or 0.0
    return ScoredPassage(passage=schema.to_passage(row), score=float(score),
                         confidence=reranker_confidence(reranker))


# --- wiring -------------------------------------------------------------------------------

# Client-side retries: the writer retries indexing itself (it must also retry single documents
# of a 207), searches retry once, index management uses the SDK's default policy.
_WRITER_CLIENT_OPTIONS = dict(retry_total=0, connection_timeout=10, read_timeout=120)
_SEARCH_CLIENT_RETRIES = 1


def build_azure_search(settings: Settings, *, embedder_factory: Callable[[], Embedder] | None = None,
                       query_embedder: Embedder | None = None, backoff: Backoff | None = None
                       ) -> tuple[IndexWriter, Searcher]:
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents import SearchClient
    from azure.search.documents.aio import SearchClient as AsyncSearchClient
    from azure.search.documents.indexes import SearchIndexClient

    from retrieval.azure_credentials import async_token_credential, sync_token_credential

    key = settings.azure_search_api_key.get_secret_value()
    if key:  # local fakes, break-glass
        sync_credential = async_credential = AzureKeyCredential(key)
    else:  # production: the managed identity
        sync_credential, async_credential = sync_token_credential(settings), async_token_credential(settings)
    endpoint, name = settings.azure_search_endpoint, settings.azure_search_index
    if embedder_factory is None:
        from retrieval.embeddings import AzureOpenAIEmbedder

        def embedder_factory() -> Embedder:
            return AzureOpenAIEmbedder(settings)

    writer = AzureIndexWriter(
        index_client=SearchIndexClient(endpoint, sync_credential, connection_timeout=10, read_timeout=60),
        search_client=SearchClient(endpoint, name, sync_credential, **_WRITER_CLIENT_OPTIONS),
        definition=schema.index_definition(
            name, openai_endpoint=settings.azure_openai_endpoint,
            embedding_deployment=settings.azure_openai_embedding_deployment,
            dimensions=settings.azure_openai_embedding_dimensions,
            embedding_model=settings.azure_openai_embedding_model),
        embedder_factory=embedder_factory, backoff=backoff, credential=sync_credential)
    searcher = AzureSearcher(
        client=AsyncSearchClient(endpoint, name, async_credential, retry_total=_SEARCH_CLIENT_RETRIES,
                                 connection_timeout=settings.search_timeout_seconds,
                                 read_timeout=settings.search_timeout_seconds),
        timeout_seconds=settings.search_timeout_seconds, query_embedder=query_embedder,
        credential=async_credential)
    return writer, searcher
