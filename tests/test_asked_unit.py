"""A value asked for in a unit nothing else can stand in for (何割, 何人, 何回, 何円) is answered
only by an article stating a number in that unit; a period (何日, 何か月) may be stated in another
unit or as a deadline. Without this, 「給料の何割？」 was answered with a telework article's 一時間."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.answer_types import AnswerType, analyse, answers_value
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage

TELEWORK = "第十五条　職員は、テレワークの実施に当たり、おおむね一時間ごとに小休止をとり、健康の保持に努めなければならない。"
COMPENSATION = ("第二十八条　職員が公務上負傷し、療養のため勤務することができない場合には、休業補償として、"
                "その勤務することができない期間につき、平均給与額の百分の六十に相当する金額を支給する。")


@pytest.mark.parametrize("question, text, answers", [
    ("公務災害で休んだら給料の何割もらえる？", TELEWORK, False),  # a time is no rate
    ("公務災害で休んだら給料の何割もらえる？", COMPENSATION, True),  # 百分の六十 is a rate
    ("What percentage of my pay do I get while off after an injury at work?", COMPENSATION, True),
    ("審査会の委員は何人？", "第三条　審査会は、委員五名をもって組織する。", True),
    ("審査会の委員は何人？", "第三条　委員の任期は、二年とする。", False),
    ("育休の延長は何回できる？", "第七条　育児休業の期間の延長は、一回に限りすることができる。", True),
    ("育休の延長は何回できる？", "第七条　延長は、三十日前までに請求しなければならない。", False),
    # a period may be stated as a deadline or in another unit of time
    ("育休は何か月取れる？", "第二条　職員は、子が三歳に達する日まで、育児休業をすることができる。", True),
    ("年休は何日もらえる？", "第十条　年次休暇は、一年において二週間とする。", True),
])
def test_a_rate_a_head_count_or_a_number_of_times_must_be_stated_in_its_unit(question, text, answers):
    assert answers_value(analyse(question), text) is answers


def test_an_english_percentage_question_asks_for_a_rate():
    intent = analyse("What percentage of my salary is paid when I am off work after an injury at work?")
    assert (intent.answer_type, intent.value_unit) == (AnswerType.QUANTITY, "割")


def compose(question: str, language: str, *texts: str):
    passages = [ScoredPassage(Passage(doc="d.md", seq=i, title="みどり区職員規程", text=text,
                                      article=text.split("　")[0]), 10.0 - 0.1 * i, confidence=0.9)
                for i, text in enumerate(texts)]
    return ExtractiveAnswerer(analyzer=Analyzer()).compose(Question(question, language), passages)


@pytest.mark.parametrize("question, language, says", [
    ("公務災害で仕事休んだとき、給料の何割くらい補償される？", "ja", "割合"),
    ("What percentage of my salary is paid while I am off work after an injury at work?", "en", "rate or percentage"),
])
def test_a_rate_question_that_only_a_time_shares_words_with_abstains_and_says_a_rate_was_asked(question, language,
                                                                                             says):
    answer = compose(question, language, "第十五条　職員は、公務災害の防止に努め、勤務中はおおむね一時間ごとに休まなければならない。")
    assert answer.abstained and not answer.citations
    assert says in answer.text


def test_the_article_stating_the_rate_leads_over_one_stating_a_time():
    answer = compose("公務災害で仕事を休んだとき、給料の何割が補償される？", "ja",
                     "第十五条　公務災害で仕事を休んだ職員は、一時間ごとに給料の記録を補償の担当に報告する。",
                     "第二十八条　公務災害で仕事を休んだときは、給料の百分の六十を補償する。")
    assert not answer.abstained
    assert answer.citations[0].passage.article == "第二十八条"
    assert "**百分の六十**" in answer.text
