"""The Azure AI Search backend through the real azure-search-documents clients (sync writer, async
searcher) against the local HTTP FAKE of the service, and the Azure OpenAI FAKE for embeddings."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from retrieval import azure_index_schema as schema
from retrieval.azure_filters import group_filter, odata_literal
from retrieval.azure_search import AzureSearchError, AzureSearcher, Backoff, build_azure_search, reranker_confidence
from retrieval.models import DocumentRecord, IndexedPassage, Passage, Question
from services import build_services
from settings import load_settings
from tests.fakes.azure_openai_fake import FakeOpenAI, embed_text
from tests.fakes import serve_in_thread
from tests.fakes.azure_search_fake import FakeSearchService, parse_filter

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
DIMENSIONS = 64


@pytest.fixture
def openai_fake():
    fake = FakeOpenAI(dimensions=DIMENSIONS)
    with serve_in_thread(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def search_fake():
    fake = FakeSearchService()
    with serve_in_thread(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


def azure_settings(search_fake, openai_fake, corpus: Path | None = None, **overrides):
    values = dict(
        search_backend="azure", azure_search_endpoint=search_fake.url, azure_search_api_key=search_fake.api_key,
        azure_search_index="reiki-test", azure_openai_endpoint=openai_fake.url,
        azure_openai_embedding_deployment="embed-small", azure_openai_api_key="fake-openai-key",
        azure_openai_embedding_dimensions=DIMENSIONS, search_timeout_seconds=5)
    if corpus is not None:
        values["corpus_dir"] = corpus
    return load_settings(**{**values, **overrides})


class RecordedSleep(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def backend(search_fake, openai_fake, sleeps):
    writer, searcher = build_azure_search(azure_settings(search_fake, openai_fake),
                                          backoff=Backoff(sleep=sleeps))
    yield writer, searcher
    writer.close()


def make_document(doc: str, count: int, *, groups: tuple[str, ...] = (), text: str = "職員の休暇について定める。",
                  content_hash: str = "h1") -> tuple[DocumentRecord, list[IndexedPassage]]:
    record = DocumentRecord(doc=doc, title=f"{doc} の規程", content_hash=content_hash, allowed_groups=groups)
    passages = [IndexedPassage(
        passage=Passage(doc=doc, seq=seq, title=record.title, text=f"{text}（{seq}）", article=f"第{seq + 1}条",
                        article_key=str(seq + 1), url=f"https://reiki.example.test/{doc}", allowed_groups=groups),
        body_terms=(), title_terms=(), heading_terms=()) for seq in range(count)]
    return record, passages


def uploads(fake: FakeSearchService) -> list[dict]:
    return [a for r in fake.requests_to("/docs/search.index") if r["body"] for a in r["body"]["value"]
            if a["@search.action"] == "upload"]


# --- the index schema ------------------------------------------------------------------------

def test_index_is_created_then_updated_idempotently(backend, search_fake, openai_fake, sleeps):
    writer, _ = backend
    writer.apply_changes([make_document("a.md", 3)])
    again, _ = build_azure_search(azure_settings(search_fake, openai_fake), backoff=Backoff(sleep=sleeps))
    again.ensure_index()
    again.close()

    puts = search_fake.requests_to("/indexes('reiki-test')", method="PUT")
    assert len(puts) == 2 and puts[0]["body"] == puts[1]["body"]
    assert list(search_fake.indexes) == ["reiki-test"]
    assert len(search_fake.documents["reiki-test"]) == 3  # updating the schema kept the passages
    fields = {f["name"]: f for f in puts[0]["body"]["fields"]}
    assert fields["id"]["key"] is True
    assert fields["content"]["analyzer"] == "ja.microsoft" and fields["content"]["searchable"] is True
    assert fields["allowed_groups"] == {**fields["allowed_groups"], "type": "Collection(Edm.String)",
                                        "filterable": True}
    assert fields["content_vector"]["dimensions"] == DIMENSIONS
    vector = puts[0]["body"]["vectorSearch"]
    assert vector["algorithms"][0]["kind"] == "hnsw"
    vectorizer = vector["vectorizers"][0]
    assert vectorizer["kind"] == "azureOpenAI"
    assert vectorizer["azureOpenAIParameters"]["resourceUri"] == openai_fake.url
    assert vectorizer["azureOpenAIParameters"]["deploymentId"] == "embed-small"
    assert "apiKey" not in vectorizer["azureOpenAIParameters"]  # the service's managed identity calls it
    semantic = puts[0]["body"]["semantic"]["configurations"][0]["prioritizedFields"]
    assert semantic["titleField"] == {"fieldName": "title"}
    assert semantic["prioritizedContentFields"] == [{"fieldName": "content"}]


def test_passage_keys_use_the_key_alphabet_and_round_trip():
    for passage_id in ["規程/休暇 規程.md#0", "a+b/c?d.pdf#12", "x#1"]:
        key = schema.passage_key(passage_id)
        assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
        assert schema.passage_id_from_key(key) == passage_id


# --- writing -----------------------------------------------------------------------------------

def test_large_documents_upload_in_batches_of_at_most_1000(backend, search_fake, openai_fake):
    writer, _ = backend
    writer.apply_changes([make_document("big.md", 1201)])

    batches = [r["body"]["value"] for r in search_fake.requests_to("/docs/search.index")]
    assert len(batches) >= 2 and all(len(b) <= 1000 for b in batches)
    assert len(uploads(search_fake)) == 1201
    assert len(search_fake.documents["reiki-test"]) == 1201
    # Embeddings came from the Azure OpenAI fake through the real openai SDK, one vector a passage.
    embedded = sum(len(r["body"]["input"]) for r in openai_fake.requests if r["path"].endswith("/embeddings"))
    assert embedded == 1201
    stored = search_fake.documents["reiki-test"][schema.passage_key("big.md#5")]
    assert stored["content_vector"] == pytest.approx(embed_text(schema.embedding_text(
        make_document("big.md", 6)[1][5].passage), DIMENSIONS))
    assert stored["content_hash"] == "h1" and stored["seq"] == 5


def test_first_passage_carrying_the_hash_is_written_last(backend, search_fake):
    writer, _ = backend
    writer.apply_changes([make_document("a.md", 3)])
    keys = [a["id"] for a in uploads(search_fake)]
    assert keys[-1] == schema.passage_key("a.md#0")
    assert writer.document_hashes() == {"a.md": "h1"}


def test_partial_failure_207_is_retried_for_the_failed_keys_only(backend, search_fake, sleeps):
    writer, _ = backend
    failing = {schema.passage_key("a.md#1"), schema.passage_key("a.md#2")}
    search_fake.fail_keys_once = set(failing)
    writer.apply_changes([make_document("a.md", 4)])

    batches = [{a["id"] for a in r["body"]["value"]} for r in search_fake.requests_to("/docs/search.index")]
    assert failing in batches  # a retry carrying just the two failed passages
    assert len(search_fake.documents["reiki-test"]) == 4
    assert sleeps  # backed off before retrying


def test_503_and_429_are_retried_with_back_off(backend, search_fake, sleeps):
    writer, _ = backend
    search_fake.index_request_failures = [503, 429]
    search_fake.retry_after = "2"
    writer.apply_changes([make_document("a.md", 2)])

    assert len(search_fake.documents["reiki-test"]) == 2
    assert sleeps[:2] == [2.0, 2.0]  # the service's Retry-After was honoured


def test_refused_document_stops_with_a_clear_error(backend, search_fake):
    writer, _ = backend
    search_fake.reject_keys = {schema.passage_key("a.md#1")}
    with pytest.raises(AzureSearchError, match="refused"):
        writer.apply_changes([make_document("a.md", 2)])
    assert writer.document_hashes() == {}  # seq 0 (the hash) never written: the next run redoes it


def test_persistent_503_gives_up_after_the_configured_attempts(search_fake, openai_fake, sleeps):
    writer, _ = build_azure_search(azure_settings(search_fake, openai_fake),
                                   backoff=Backoff(attempts=3, sleep=sleeps))
    search_fake.index_request_failures = [503] * 10
    with pytest.raises(AzureSearchError, match="gave up after 3 attempts"):
        writer.apply_changes([make_document("a.md", 1)])
    assert len(sleeps) == 3
    writer.close()


def test_shorter_new_version_deletes_stale_passages(backend, search_fake):
    writer, _ = backend
    writer.apply_changes([make_document("a.md", 5), make_document("b.md", 2)])
    writer.apply_changes([make_document("a.md", 2, content_hash="h2")], removals=["b.md"])

    stored = search_fake.documents["reiki-test"]
    assert sorted(schema.passage_id_from_key(k) for k in stored) == ["a.md#0", "a.md#1"]
    assert writer.document_hashes() == {"a.md": "h2"}
    assert writer.stats()["documents"] == 1 and writer.stats()["passages"] == 2


def test_indexer_skips_unchanged_files_and_deletes_removed_ones(search_fake, openai_fake, corpus):
    services = build_services(azure_settings(search_fake, openai_fake, corpus))
    try:
        dry = services.indexer.run(corpus, dry_run=True)
        assert sorted(dry.added) == ["jimu.txt", "kyuka.md"] and search_fake.indexes == {}  # nothing written
        first = services.indexer.run(corpus)
        assert sorted(first.added) == ["jimu.txt", "kyuka.md"]
        assert {d["doc_id"] for d in search_fake.documents["reiki-test"].values()} == {"jimu.txt", "kyuka.md"}
        uploaded = len(uploads(search_fake))
        assert uploaded == first.passages > 0

        second = services.indexer.run(corpus)
        assert sorted(second.unchanged) == ["jimu.txt", "kyuka.md"] and not second.added
        assert len(uploads(search_fake)) == uploaded  # 0 uploads

        (corpus / "jimu.txt").unlink()
        third = services.indexer.run(corpus)
        assert third.removed == ["jimu.txt"]
        assert {d["doc_id"] for d in search_fake.documents["reiki-test"].values()} == {"kyuka.md"}
        assert len(uploads(search_fake)) == uploaded  # kyuka.md was not uploaded again
        stats = services.index.stats()
        assert stats["documents"] == 1 and stats["passages"] == len(search_fake.documents["reiki-test"])
        assert stats["last_indexed"] is not None and services.index.exists()
    finally:
        services.close()


def test_hashes_of_many_documents_are_read_across_result_pages(backend, search_fake):
    writer, _ = backend
    writer.apply_changes([make_document(f"doc{n:03}.md", 2, content_hash=f"h{n}") for n in range(120)])
    assert writer.document_hashes() == {f"doc{n:03}.md": f"h{n}" for n in range(120)}
    pages = [r["body"] for r in search_fake.requests_to("/docs/search.post.search")][-3:]
    assert [p.get("skip") for p in pages] == [None, 50, 100]  # the SDK followed the service's paging


def test_stats_and_exists_before_anything_is_indexed(backend):
    writer, _ = backend
    assert writer.exists() is False
    assert writer.stats() == {"documents": 0, "passages": 0, "last_indexed": None}


# --- searching ---------------------------------------------------------------------------------

def index_restricted_and_public(writer) -> None:
    writer.apply_changes([
        make_document("public.md", 1, text="年次休暇は二十日とする。"),
        make_document("hr.md", 1, groups=("hr",), text="人事評価の年次休暇の記録は人事課が管理する。"),
        make_document("obrien.md", 1, groups=("o'brien-team",), text="年次休暇の特例は別に定める。"),
    ])


def last_search(fake: FakeSearchService) -> dict:
    """The last search for a question (not the fetch of the other pieces of its articles)."""
    return [r["body"] for r in fake.requests_to("/docs/search.post.search") if "vectorQueries" in r["body"]][-1]


async def test_hybrid_query_sends_text_vector_semantic_configuration_and_group_filter(backend, search_fake):
    writer, searcher = backend
    await asyncio.to_thread(index_restricted_and_public, writer)

    await searcher.search(Question(text="年次休暇は何日ですか", language="ja", groups=("hr", "all-staff")), 5)
    await searcher.aclose()

    body = last_search(search_fake)
    assert body["search"] == "年次休暇は何日ですか" and body["top"] == 15  # 3 x 5: one result per article
    assert body["vectorQueries"] == [{"kind": "text", "text": "年次休暇は何日ですか", "k": 50,
                                      "fields": "content_vector"}]
    assert body["queryType"] == "semantic" and body["semanticConfiguration"] == schema.SEMANTIC_CONFIGURATION
    assert body["filter"] == ("not allowed_groups/any() or allowed_groups/any(g: search.in(g, 'all-staff,hr', ','))")
    assert "content_vector" not in body["select"]


async def test_a_models_statutory_words_widen_the_keyword_query_only(backend, search_fake):
    writer, searcher = backend
    await asyncio.to_thread(index_restricted_and_public, writer)

    question = Question(text="年休って何日？", language="ja", search_terms=("年次休暇", "日数"))
    await searcher.search(question, 5)
    await searcher.aclose()

    body = last_search(search_fake)
    assert body["search"] == "年休って何日？ 年次休暇 日数"  # keywords: the question and the words
    assert body["semanticQuery"] == "年休って何日？"  # the ranker reads the question as asked
    assert body["vectorQueries"][0]["text"] == "年休って何日？"


async def test_results_are_our_passages_with_confidence_from_the_reranker(backend, search_fake):
    writer, searcher = backend
    await asyncio.to_thread(index_restricted_and_public, writer)

    results = await searcher.search(Question(text="年次休暇は何日", language="ja"), 5)
    await searcher.aclose()

    top = results[0]
    assert isinstance(top.passage, Passage)
    assert (top.passage.doc, top.passage.seq, top.passage.article) == ("public.md", 0, "第1条")
    assert top.passage.title == "public.md の規程" and top.passage.url == "https://reiki.example.test/public.md"
    assert top.passage.text == "年次休暇は二十日とする。（0）"
    assert 0.3 <= top.confidence <= 1.0
    assert top.confidence == reranker_confidence(top.score)


async def test_restricted_document_is_not_returned_outside_its_group(backend, search_fake):
    writer, searcher = backend
    await asyncio.to_thread(index_restricted_and_public, writer)

    def docs(results):
        return {r.passage.doc for r in results}

    outsider = await searcher.search(Question(text="年次休暇", language="ja", groups=("finance",)), 10)
    anonymous = await searcher.search(Question(text="年次休暇", language="ja"), 10)
    member = await searcher.search(Question(text="年次休暇", language="ja", groups=("finance", "hr")), 10)
    quoted = await searcher.search(Question(text="年次休暇", language="ja", groups=("o'brien-team",)), 10)
    await searcher.aclose()

    assert docs(outsider) == docs(anonymous) == {"public.md"}
    assert docs(member) == {"public.md", "hr.md"}
    assert docs(quoted) == {"public.md", "obrien.md"}  # a quote in a group id still matches exactly
    assert all(r.passage.allowed_groups == ("hr",) for r in member if r.passage.doc == "hr.md")


@pytest.mark.parametrize("hostile", [
    "nobody') or true or search.in(g, 'x",  # aimed at the search.in form
    "a,' or true or g eq 'b",  # contains the delimiter, so aimed at the eq form
])
async def test_a_quote_in_a_group_id_is_escaped_and_cannot_widen_the_filter(backend, search_fake, hostile):
    writer, searcher = backend
    await asyncio.to_thread(index_restricted_and_public, writer)

    results = await searcher.search(Question(text="年次休暇", language="ja", groups=(hostile,)), 10)
    await searcher.aclose()

    assert {r.passage.doc for r in results} == {"public.md"}
    assert odata_literal(hostile) in last_search(search_fake)["filter"]
    # The same id pasted in without escaping would have opened every document:
    naive = group_filter("allowed_groups", [hostile]).replace(odata_literal(hostile), f"'{hostile}'")
    restricted = {"allowed_groups": ["hr"]}
    assert parse_filter(naive)(restricted, {}) is True
    assert parse_filter(group_filter("allowed_groups", [hostile]))(restricted, {}) is False


def test_group_filter_forms():
    assert group_filter("allowed_groups", []) == "not allowed_groups/any()"
    assert group_filter("allowed_groups", ["b", "a", "a"]) == (
        "not allowed_groups/any() or allowed_groups/any(g: search.in(g, 'a,b', ','))")
    assert group_filter("allowed_groups", ["x,y", "o'k"]) == (
        "not allowed_groups/any() or allowed_groups/any(g: g eq 'o''k' or g eq 'x,y')")


async def test_client_side_query_vector_when_an_embedder_is_given(search_fake, openai_fake):
    class FixedEmbedder:
        def __init__(self) -> None:
            self.texts: list[str] = []

        async def embed(self, texts):
            self.texts.extend(texts)
            return [embed_text(t, DIMENSIONS) for t in texts]

    embedder = FixedEmbedder()
    writer, searcher = build_azure_search(azure_settings(search_fake, openai_fake),
                                          embedder_factory=FixedEmbedder, query_embedder=embedder)
    await asyncio.to_thread(index_restricted_and_public, writer)
    results = await searcher.search(Question(text="年次休暇", language="ja"), 3)
    await searcher.aclose()
    writer.close()

    query = last_search(search_fake)["vectorQueries"][0]
    assert query["kind"] == "vector" and len(query["vector"]) == DIMENSIONS
    assert embedder.texts == ["年次休暇"]
    assert results and not any(r["path"].endswith("/embeddings") for r in openai_fake.requests)


async def test_without_semantic_ranking_confidence_is_unknown(search_fake, openai_fake, backend):
    writer, _ = backend
    await asyncio.to_thread(index_restricted_and_public, writer)
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.aio import SearchClient

    client = SearchClient(search_fake.url, "reiki-test", AzureKeyCredential(search_fake.api_key))
    searcher = AzureSearcher(client=client, timeout_seconds=5, semantic=False)
    results = await searcher.search(Question(text="年次休暇", language="ja"), 3)
    await searcher.aclose()

    assert "queryType" not in last_search(search_fake)
    assert results and all(r.confidence is None for r in results)


async def test_slow_search_times_out_with_a_clear_error(search_fake, openai_fake, backend):
    writer, _ = backend
    await asyncio.to_thread(index_restricted_and_public, writer)
    search_fake.search_delay_seconds = 1
    _, searcher = build_azure_search(azure_settings(search_fake, openai_fake, search_timeout_seconds=0.3))
    with pytest.raises(AzureSearchError, match="timed out"):
        await searcher.search(Question(text="年次休暇", language="ja"), 3)
    await searcher.aclose()


async def test_search_before_anything_is_indexed_returns_nothing(backend):
    _, searcher = backend
    assert await searcher.search(Question(text="年次休暇", language="ja"), 3) == []
    await searcher.aclose()


def test_reranker_confidence_mapping():
    assert reranker_confidence(None) is None
    assert reranker_confidence(0.4) == 0.0 and reranker_confidence(1.0) == 0.0
    assert reranker_confidence(2.5) == pytest.approx(0.5)
    assert reranker_confidence(4.0) == 1.0 and reranker_confidence(4.2) == 1.0


# --- the whole pipeline on the Azure backend ---------------------------------------------------

async def test_pipeline_answers_with_citations_from_azure_passages(search_fake, openai_fake, corpus):
    services = build_services(azure_settings(search_fake, openai_fake, corpus))
    try:
        summary = await asyncio.to_thread(services.indexer.run, corpus)
        assert sorted(summary.added) == ["jimu.txt", "kyuka.md"]

        answer = await services.pipeline.answer(Question(text="育休はいつまで取れますか", language="ja"))
        assert not answer.abstained
        assert answer.citations[0].passage.doc == "kyuka.md" and answer.citations[0].passage.article == "第三条"
        assert "[1]" in answer.text and "三歳" in answer.citations[0].quote

        travel = await services.pipeline.answer(Question(text="出張旅費の精算の期限は？", language="ja"))
        assert not travel.abstained and travel.citations[0].passage.doc == "jimu.txt"

        unrelated = await services.pipeline.answer(Question(text="庁舎の駐車場の利用料金", language="ja"))
        assert unrelated.abstained and not unrelated.citations
    finally:
        await services.aclose()
    assert search_fake.requests_to("/docs/search.post.search")


async def test_without_a_key_the_clients_use_entra_id_tokens(search_fake, openai_fake):
    """No key configured: bearer tokens from the managed identity, which the SDK will only send
    over TLS, so nothing at all reaches the (plain http) fake."""
    writer, searcher = build_azure_search(azure_settings(
        search_fake, openai_fake, azure_search_api_key="", azure_client_id="00000000-0000-0000-0000-000000000001"))
    with pytest.raises(Exception, match="non-TLS"):
        await asyncio.to_thread(writer.ensure_index)
    with pytest.raises(AzureSearchError, match="non-TLS"):
        await searcher.search(Question(text="年次休暇", language="ja"), 3)
    await searcher.aclose()
    writer.close()
    assert search_fake.requests == []
