"""A question told in everyday words covers little of the article that answers it; when the ranking
is sure of that article (retrieval.local_search.STRONG_SCORE), it is answered, not abstained on.
A noun the corpus has never seen still keeps it unanswered."""
import asyncio

import pytest

import retrieval.local_search as local_search
from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.local_search import STRONG_MIN_CONFIDENCE, STRONG_SCORE, _decisive
from retrieval.models import ANSWER_CONFIDENCE, Passage, Question, ScoredPassage
from retrieval.pipeline import AnswerPipeline
from tests.support import local_searcher

RULES = ("出張旅費規程\n（日当）\n第十二条　日当は、出張の日数に応じ、一日につき千百円を支給する。\n"
         "（宿泊料）\n第十三条　宿泊料は、一夜につき一万円とする。\n")


def test_a_strong_score_makes_a_low_confidence_passage_decisive_only():
    assert _decisive(STRONG_SCORE, 0.15)
    assert not _decisive(STRONG_SCORE + 1, ANSWER_CONFIDENCE)  # it reaches the bar by itself
    assert not _decisive(STRONG_SCORE - 0.01, 0.15)  # not sure enough of the article
    assert not _decisive(STRONG_SCORE + 1, STRONG_MIN_CONFIDENCE - 0.01)  # クールビズ-like


def test_a_decisive_passage_leads_only_when_no_passage_reaches_the_bar():
    answerer = ExtractiveAnswerer(analyzer=Analyzer())

    def scored(article, score, confidence, decisive=False):
        text = f"{article}　日当は、一日につき千百円を支給する。"
        return ScoredPassage(Passage(doc="r.md", seq=0, title="旅費規程", text=text, article=article),
                             score, confidence=confidence, decisive=decisive)

    question = Question(text="日当って満額出るの？", language="ja")
    sure, covering = scored("第四十四条", 2.5, 0.2, decisive=True), scored("第二十条", 2.4, 0.4)
    assert answerer.compose(question, [sure, covering]).citations[0].passage.article == "第二十条"
    assert answerer.compose(question, [sure, scored("第二十条", 2.4, 0.2)]).citations[0].passage.article == "第四十四条"
    assert answerer.compose(question, [scored("第四十四条", 2.5, 0.2), scored("第二十条", 2.4, 0.2)]).abstained


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    searcher = local_searcher(tmp_path_factory.mktemp("strong"), {"出張旅費規程.txt": RULES})
    yield AnswerPipeline(searcher=searcher, answerer=ExtractiveAnswerer(analyzer=searcher.planner.analyzer))
    searcher.index.close()


def ask(pipeline, text):
    return asyncio.run(pipeline.answer(Question(text=text, language="ja")))


def test_an_everyday_question_the_ranking_is_sure_of_is_answered(pipeline, monkeypatch):
    question = "出張旅費規程だと、近場の現場に朝から行く日も日当もらえる？"
    answer = ask(pipeline, question)
    assert not answer.abstained and answer.citations[0].passage.article == "第十二条"
    monkeypatch.setattr(local_search, "STRONG_SCORE", 99.0)  # without the rule: coverage alone abstains
    assert ask(pipeline, question).abstained


def test_a_question_about_something_the_rules_never_mention_stays_unanswered(pipeline):
    # the regulation is named, so its articles score high; but クールビズ is in no passage
    question = Question(text="出張旅費規程だと、出張先でのクールビズってOK？", language="ja")
    top = pipeline.searcher.rank(question, 1)[0]
    assert top.score >= STRONG_SCORE and top.confidence < STRONG_MIN_CONFIDENCE
    assert asyncio.run(pipeline.answer(question)).abstained
