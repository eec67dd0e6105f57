"""The asking sentence's own words weigh beside the whole question's (RankWeights.asked_coverage).

A question that first tells its story uses more words for the story than for what it asks; the
article about the story's topic then outranks the one that answers. The index is a real SQLite
index of a small law written for this test (the tune-set effect is in RankWeights' note)."""
from __future__ import annotations

import dataclasses

import pytest

from retrieval.local_search import RankWeights
from retrieval.models import Question
from tests.support import local_searcher

LAW = """災害補償条例

（療養）
第三条　職員が公務上負傷した場合においては、必要な療養を行う。

（補償を受ける権利）
第九条　補償を受ける権利は、職員の退職によつて変更されることはない。

（旅費）
第十条　出張の旅費は、別に定める。
"""

QUESTION = "公務で療養中の職員が近く辞めます。退職後も補償は受けられますか？"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return local_searcher(tmp_path_factory.mktemp("asked"), {"災害補償条例.txt": LAW})


def _scores(searcher, question: str, weight: float) -> dict[str | None, float]:
    # The law is an excerpt of three articles, which the ranking reads like a page's sections
    # (small_document_context): the weight tested here is measured without that lift.
    searcher.weights = dataclasses.replace(RankWeights(), asked_coverage=weight, small_document_context=0.0)
    try:
        return {r.passage.article: r.score for r in searcher.rank(Question(text=question, language="ja"), 3)}
    finally:
        searcher.weights = RankWeights()


def test_the_article_holding_the_asking_sentence_s_words_gains_the_weight(searcher):
    weight = RankWeights().asked_coverage
    with_it, without = _scores(searcher, QUESTION, weight), _scores(searcher, QUESTION, 0.0)
    answers = with_it["第九条"] - without["第九条"]  # 退職, 補償, 受ける: all the asking sentence's words
    story = with_it["第三条"] - without["第三条"]  # 公務, 療養, 職員: the story's words only
    assert answers == pytest.approx(weight, abs=0.01)
    assert story < answers / 4


def test_a_question_of_one_sentence_is_not_changed(searcher):
    """With no story told first, the whole question is what asks: nothing is added."""
    question = "退職後も補償は受けられますか？"
    assert _scores(searcher, question, RankWeights().asked_coverage) == _scores(searcher, question, 0.0)
