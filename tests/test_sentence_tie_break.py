"""Sentences of an article that share as many of the question's words are told apart by the
sentence model's similarity to the question (ExtractiveAnswerer(sentence_similarity=...)); without a
model, or when it fails, the first of them is quoted as before. The real model is exercised in
tests/test_passage_vectors.py; here a recorded stand-in makes each case exact."""
from __future__ import annotations

import logging

import pytest

from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer, located_best_sentence
from retrieval.models import Passage, Question, ScoredPassage

# Both paragraphs share 育児休業 and 期間 with the question; only the second says how long.
TEXT = ("（育児休業の期間）\n第四条　育児休業の期間の延長は、一回に限る。\n"
        "２　育児休業の期間は、子が三歳に達する日までとする。")
TERMS = {"育児", "休業", "期間"}
QUESTION = Question(text="育児休業の期間について知りたい", language="ja")  # asks for no value: the words decide


class RecordedSimilarity:
    """Similarity 1.0 for sentences holding `preferred`, else 0.0; records what it was asked."""

    def __init__(self, preferred: str) -> None:
        self.preferred = preferred
        self.asked: list[list[str]] = []

    def __call__(self, question: str, sentences):
        self.asked.append(list(sentences))
        return [1.0 if self.preferred in s else 0.0 for s in sentences]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_without_a_model_the_first_of_tied_sentences_is_quoted(analyzer):
    assert "一回に限る" in located_best_sentence(TEXT, TERMS, analyzer)[0]


def test_the_model_picks_among_tied_sentences_and_is_asked_about_those_only(analyzer):
    similarity = RecordedSimilarity("三歳")
    sentence, place = located_best_sentence(TEXT, TERMS, analyzer,
                                            tie_break=lambda sentences: similarity("q", sentences))
    assert "三歳に達する日まで" in sentence and place[0] == 2
    assert len(similarity.asked) == 1 and len(similarity.asked[0]) == 2


def test_a_sentence_sharing_more_words_is_not_overruled_by_the_model(analyzer):
    similarity = RecordedSimilarity("三歳")
    sentence, _ = located_best_sentence(TEXT, TERMS | {"延長"}, analyzer,
                                        tie_break=lambda sentences: similarity("q", sentences))
    assert "一回に限る" in sentence  # it alone has 延長: no tie, the model is not asked
    assert similarity.asked == []


def _passage() -> ScoredPassage:
    return ScoredPassage(Passage(doc="ikukyu.md", seq=0, title="育児休業規則", text=TEXT, article="第四条"),
                         3.0, confidence=0.9)


def test_the_answerer_quotes_the_sentence_the_model_prefers(analyzer):
    answer = ExtractiveAnswerer(analyzer=analyzer, sentence_similarity=RecordedSimilarity("三歳")).compose(
        QUESTION, [_passage()])
    assert not answer.abstained and "三歳に達する日まで" in answer.citations[0].quote
    assert answer.citations[0].paragraph == "第二項"


def test_a_failing_model_costs_the_tie_break_not_the_answer(analyzer, caplog):
    def broken(question, sentences):
        raise RuntimeError("model file damaged")

    with caplog.at_level(logging.ERROR, logger="retrieval.extractive"):
        answer = ExtractiveAnswerer(analyzer=analyzer, sentence_similarity=broken).compose(QUESTION, [_passage()])
    assert not answer.abstained and "一回に限る" in answer.citations[0].quote
    assert any("sentence model failed" in r.getMessage() for r in caplog.records)
