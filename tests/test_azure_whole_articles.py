"""One result per article on the Azure backend, carrying the whole article (retrieval.whole_articles),
through the real SDK clients against the local HTTP FAKE of Azure AI Search."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest
from aiohttp import web

from retrieval import azure_index_schema as schema
from retrieval.azure_filters import group_filter
from retrieval.azure_search import Backoff, build_azure_search
from retrieval.models import DocumentRecord, IndexedPassage, Passage, Question
from settings import load_settings
from tests.fakes import serve_in_thread
from tests.fakes.azure_openai_fake import FakeOpenAI
from tests.fakes.azure_search_fake import FakeSearchService, found, query_grams

DIMENSIONS = 64
QUESTION = "育児休業の期間の延長"
# 第五条 in three pieces, each repeating the header (indexer.structure); the middle one answers.
PIECES = ["第五条　職員は育児休業をすることができる。",
          "第五条　２　育児休業の期間の延長は一回に限る。",
          "第五条　３　育児休業の承認は任命権者が行う。"]
WHOLE = "第五条　職員は育児休業をすることができる。\n２　育児休業の期間の延長は一回に限る。\n３　育児休業の承認は任命権者が行う。"


@dataclass
class SiblingFaultFake(FakeSearchService):
    """The fake, whose fetch of an article's other pieces (a search without vectors) can be made
    to fail ("fail": HTTP 503 every time) or to outlast the search timeout ("slow")."""

    sibling_fault: str | None = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.sibling_fault and request.path.endswith("/docs/search.post.search"):
            body = json.loads(await request.read())  # aiohttp keeps the body for the real handler
            if "vectorQueries" not in body:
                if self.sibling_fault == "fail":
                    return web.json_response({"error": {"code": "", "message": "scripted"}}, status=503)
                await asyncio.sleep(2)
        return await super()._dispatch(request)


@pytest.fixture
def fakes():
    search, openai = SiblingFaultFake(), FakeOpenAI(dimensions=DIMENSIONS)
    with serve_in_thread(search.app()) as search_url, serve_in_thread(openai.app()) as openai_url:
        settings = load_settings(
            search_backend="azure", azure_search_endpoint=search_url, azure_search_api_key=search.api_key,
            azure_search_index="reiki-test", azure_openai_endpoint=openai_url,
            azure_openai_embedding_deployment="embed-small", azure_openai_api_key="fake-openai-key",
            azure_openai_embedding_dimensions=DIMENSIONS, search_timeout_seconds=1)
        writer, searcher = build_azure_search(settings, backoff=Backoff(sleep=lambda _: None))
        yield search, writer, searcher
        writer.close()


def passage(doc: str, seq: int, article: str, text: str, groups: tuple[str, ...] = ()) -> IndexedPassage:
    return IndexedPassage(passage=Passage(
        doc=doc, seq=seq, title=f"{doc} の規程", text=text, article=article, article_key=article[1:-1],
        allowed_groups=groups), body_terms=(), title_terms=(), heading_terms=())


def index(writer, *, restricted_third_piece: bool = False) -> None:
    long_article = [passage("long.md", seq, "第五条", text,
                            ("hr",) if restricted_third_piece and seq == 2 else ())
                    for seq, text in enumerate(PIECES)]
    long_article.append(passage("long.md", 3, "第六条", "第六条　育児休業の期間は子が三歳に達する日までとする。"))
    writer.apply_changes([
        (DocumentRecord(doc="long.md", title="long.md の規程", content_hash="h1"), long_article),
        (DocumentRecord(doc="other.md", title="other.md の規程", content_hash="h1"),
         [passage("other.md", 0, "第一条", "第一条　育児休業中の給与は支給しない。")]),
    ])


def piece_fetches(search: FakeSearchService) -> list[dict]:
    """Searches without vectors that are not the writer's (which select only id, doc_id and seq)."""
    return [r["body"] for r in search.requests_to("/docs/search.post.search")
            if "vectorQueries" not in r["body"] and "content" in r["body"].get("select", "")]


def reranker_score(search: FakeSearchService, key: str) -> float:
    """The fake's semantic score of one stored piece for QUESTION (what the raw search ranks it by)."""
    document = search.documents["reiki-test"][schema.passage_key(key)]
    grams = query_grams(QUESTION)
    return round(4.0 * found(grams, document, ["title", "content", "article", "caption", "headings"]) / len(grams), 4)


async def test_an_article_in_three_pieces_comes_back_once_whole_with_its_best_piece_score(fakes):
    search, writer, searcher = fakes
    await asyncio.to_thread(index, writer)

    results = await searcher.search(Question(text=QUESTION, language="ja"), 3)
    await searcher.aclose()

    # One place per article: 第五条's other two pieces gave theirs to 第六条 and other.md
    assert [(r.passage.doc, r.passage.article) for r in results] == [
        ("long.md", "第五条"), ("long.md", "第六条"), ("other.md", "第一条")]
    top = results[0]
    assert top.passage.text == WHOLE and top.passage.seq == 0  # all three pieces, in seq order
    assert top.score == reranker_score(search, "long.md#1") == 4.0  # the middle piece matched best
    assert top.confidence == 1.0
    start, end = top.focus
    assert top.passage.text[start:end] == "２　育児休業の期間の延長は一回に限る。"
    assert results[1].passage.text.startswith("第六条") and results[1].focus is None
    assert len(piece_fetches(search)) == 1  # the question cost ONE extra search for the pieces


async def test_the_piece_fetch_keeps_the_askers_group_filter(fakes):
    search, writer, searcher = fakes
    await asyncio.to_thread(index, writer, restricted_third_piece=True)

    outsider = await searcher.search(Question(text=QUESTION, language="ja", groups=("finance",)), 3)
    member = await searcher.search(Question(text=QUESTION, language="ja", groups=("hr",)), 3)
    await searcher.aclose()

    assert outsider[0].passage.text == WHOLE.rsplit("\n", 1)[0]  # the restricted third piece is not joined
    assert "任命権者" not in outsider[0].passage.text
    assert member[0].passage.text == WHOLE
    fetches = piece_fetches(search)
    assert len(fetches) == 2
    assert fetches[0]["filter"].startswith(f"({group_filter(schema.ALLOWED_GROUPS, ['finance'])}) and ")


@pytest.mark.parametrize("fault", ["fail", "slow"])
async def test_a_failed_piece_fetch_degrades_to_the_matched_piece(fakes, fault, caplog):
    search, writer, searcher = fakes
    await asyncio.to_thread(index, writer)
    search.sibling_fault = fault

    results = await searcher.search(Question(text=QUESTION, language="ja"), 3)
    await searcher.aclose()

    # still one place per article, the best piece alone (unjoined), and the answer goes on
    assert [(r.passage.doc, r.passage.article) for r in results] == [
        ("long.md", "第五条"), ("long.md", "第六条"), ("other.md", "第一条")]
    assert results[0].passage.text == PIECES[1] and results[0].focus is None
    assert results[0].score == 4.0
    assert "whole articles not fetched" in caplog.text
