"""A value that depends on the case (session 48): a lead that gives each of its items its own value
(次の各号に掲げる…の区分に応じ、当該各号に定める額とする) answers a question naming no case with the
lead and every item, each item's value in bold; a question naming an item's case still gets that
item alone. Also: a time of day is no length of time, and a cap (…を超えることはできない) reads
"up to" in English."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.answer_types import AnswerType, states_value, value_span
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage
from retrieval.numerals import value_in_english

# A fictional allowance article, written for this test.
ALLOWANCE = (
    "（日当）\n"
    "第十二条　日当の額は、次の各号に掲げる旅行の区分に応じ、当該各号に定める額とする。\n"
    "一　近接地内の旅行　支給しない。\n"
    "二　片道の路程が五十キロメートル以上の旅行であって、宿泊を伴わないもの　一日につき千円\n"
    "三　前号に掲げる旅行以外の旅行　一日につき二千円\n"
    "２　日当は、用務先における諸雑費に充てるためのものとする。"
)
LEAVE = (
    "（忌引休暇）\n"
    "第十九条　忌引休暇の期間は、職員の親族が死亡した場合で、職員が葬儀のため勤務しないことが相当である"
    "と認められるときにおける、次の各号に掲げる親族の区分に応じ、当該各号に定める連続する日数の範囲内の期間"
    "とする。\n"
    "一　配偶者　十日\n"
    "二　父母　七日\n"
    "三　祖父母　三日\n"
    "四　配偶者の父母　三日（職員と生計を一にしていた場合にあっては、七日）\n"
    "２　前項に規定する日数には、週休日を含むものとする。"
)


@pytest.fixture(scope="module")
def answerer():
    return ExtractiveAnswerer(analyzer=Analyzer())


def answer(answerer, question, text, number, language="ja"):
    passage = Passage(doc="rules.md", seq=0, title="みどり区職員の旅費及び休暇に関する条例", text=text,
                      article=number)
    return answerer.compose(Question(question, language), [ScoredPassage(passage, 10.0, confidence=0.9)])


def test_an_amount_that_depends_on_the_case_is_answered_by_every_case(answerer):
    result = answer(answerer, "出張の日当っていくら？", ALLOWANCE, "第十二条")
    assert "当該各号に定める額とする" in result.text
    assert "**千円**" in result.text and "**二千円**" in result.text  # each case's value in bold
    assert "近接地内の旅行" in result.text
    assert result.citations[0].paragraph == "第一項"  # the lead's 項, not one item's 号


def test_an_english_reader_gets_each_cases_value_by_its_item_number(answerer):
    result = answer(answerer, "How much is the daily allowance for a business trip?", ALLOWANCE, "第十二条",
                    language="en")
    assert result.text.startswith("Key fact: **item 2: 1,000 yen; item 3: 2,000 yen**")


def test_a_question_naming_the_case_gets_that_item_alone(answerer):
    result = answer(answerer, "配偶者の父母が亡くなったら忌引は何日？", LEAVE, "第十九条")
    assert "配偶者の父母　**三日**" in result.text
    assert "当該各号" not in result.text and "十日" not in result.text
    assert result.citations[0].paragraph == "第一項第四号"


def test_a_question_naming_no_case_gets_the_list_of_cases(answerer):
    result = answer(answerer, "忌引休暇は何日もらえますか？", LEAVE, "第十九条")
    for case in ("配偶者　**十日**", "父母　**七日**", "祖父母　**三日**"):
        assert case in result.text


def test_a_lead_whose_items_state_the_value_states_it_too(answerer):
    # 宿泊料の上限はいくら？ quoted the exception's +五千円 (it states an amount and says 上限); the caps
    # are the items of 第一項's ただし lead, which states no amount of its own
    text = ("（宿泊料）\n第十三条　宿泊料の額は、一夜につき、現に支払った宿泊料金の額とする。ただし、次の各号に"
            "掲げる宿泊地の区分に応じ、当該各号に定める額を上限とする。\n一　甲地　一万三千円\n二　乙地　一万一千円\n"
            "２　前項の規定にかかわらず、宿泊料金が著しく高騰している場合には、同項に定める額に五千円を加えた額を"
            "上限とすることができる。")
    result = answer(answerer, "宿泊料の上限はいくら？", text, "第十三条")
    assert "甲地　**一万三千円**" in result.text and "乙地　**一万一千円**" in result.text
    assert "五千円" not in result.text


def test_a_single_rule_is_still_one_sentence(answerer):
    # no 区分に応じ: an item list whose lead gives no value per item is not a case list
    text = ("（年次休暇）\n第十四条　年次休暇の日数は、一の年において二十日とする。\n"
            "２　任命権者は、次に掲げる場合には、年次休暇を与えないことができる。\n一　公務に支障がある場合\n"
            "二　その他任命権者が定める場合")
    result = answer(answerer, "年休は何日？", text, "第十四条")
    assert "**二十日**" in result.text and "公務に支障" not in result.text


@pytest.mark.parametrize("text, expected", [
    ("勤務時間は、午前八時三十分から午後五時十五分までとする。", False),  # when, not how long
    ("一日につき七時間四十五分の勤務時間を割り振る。", True),
    ("報告は、三十分以内に行う。", True),
])
def test_a_time_of_day_states_no_length_of_time(text, expected):
    assert states_value(AnswerType.QUANTITY, text) is expected


@pytest.mark.parametrize("sentence, english", [
    ("病気休暇の期間は、連続して九十日を超えることはできない。", "up to 90 days"),
    ("延長して労働させた時間　二時間を超えないこと。", "up to 2 hours"),
    ("休職の期間が九十日を超える場合には、", "more than 90 days"),
])
def test_a_cap_reads_up_to_in_english(sentence, english):
    kind = AnswerType.QUANTITY
    start, end = value_span(kind, sentence, "日" if "日" in sentence else "時間")
    assert value_in_english(sentence[start:end], sentence) == english
