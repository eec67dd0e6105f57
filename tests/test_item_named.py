"""A lead that introduces a list (次に掲げる行為をしてはならない) quoted with the one item that names a
word of the question the lead lacks (session 51): the item is the case asked about. A question whose
words only the lead holds, or that several items name alike, still gets the lead alone; a question
asking which things there are still gets every item."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage

# A fictional service rule, written for this test.
CONDUCT = (
    "（禁止行為）\n"
    "第九条　職員は、勤務時間の内外を問わず、次に掲げる行為をしてはならない。\n"
    "一　職務上知り得た秘密を漏らすこと。\n"
    "二　利害関係者から金銭又は物品の贈与を受けること。\n"
    "三　職場の備品を私的に使用すること。\n"
    "２　前項の規定に違反した職員は、懲戒処分の対象となる。"
)


@pytest.fixture(scope="module")
def answerer():
    return ExtractiveAnswerer(analyzer=Analyzer())


def answer(answerer, question: str):
    passage = Passage(doc="rules.md", seq=0, title="みどり区職員服務規程", text=CONDUCT, article="第九条")
    return answerer.compose(Question(question, "ja"), [ScoredPassage(passage, 10.0, confidence=0.9)])


def test_the_item_naming_what_was_asked_follows_its_lead(answerer):
    result = answer(answerer, "勤務時間の内外を問わず、職員は利害関係者から何かもらう行為をしてはならないのですか")
    quote = result.citations[0].quote
    assert "次に掲げる行為をしてはならない" in quote
    assert "利害関係者から金銭又は物品の贈与を受けること" in quote
    assert "秘密を漏らすこと" not in quote and "備品" not in quote  # only the item asked about
    assert result.citations[0].paragraph == "第一項"  # the lead's 項


@pytest.mark.parametrize("question, item", [
    ("職員は勤務時間外でも秘密に関わる行為をしてはならないの？", "一　職務上知り得た秘密を漏らすこと"),
    ("勤務時間外でも職員がしてはならない行為に、備品の使用は入りますか", "三　職場の備品を私的に使用すること"),
])
def test_each_item_is_chosen_by_its_own_words(answerer, question, item):
    quote = answer(answerer, question).citations[0].quote
    assert quote.startswith("職員は、勤務時間の内外を問わず、次に掲げる行為をしてはならない。")
    assert item in quote


def test_a_question_no_single_item_names_gets_the_lead_alone(answerer):
    result = answer(answerer, "職員は勤務時間の内外を問わずしてはならない行為があるのですか")
    quote = result.citations[0].quote
    assert "次に掲げる行為をしてはならない" in quote
    assert "贈与" not in quote and "秘密" not in quote


def test_asking_which_things_still_lists_every_item(answerer):
    result = answer(answerer, "職員がしてはならない行為にはどのようなものがありますか")
    quote = result.citations[0].quote
    assert "秘密を漏らすこと" in quote and "贈与" in quote and "備品" in quote


def test_an_english_question_keeps_the_lead_alone():
    """Its words are translations, loose ones among them: an item one of them names is no sign
    that it is the case asked about."""
    analyzer = Analyzer()
    concepts = ((("職員",),), (("勤務", "時間"),), (("行為",),), (("贈与",), ("物品",)))
    english = ExtractiveAnswerer(analyzer=analyzer, translations=lambda question: concepts)
    passage = Passage(doc="rules.md", seq=0, title="みどり区職員服務規程", text=CONDUCT, article="第九条")
    result = english.compose(Question("Is there anything staff must not do, on or off duty, such as taking gifts?",
                                      "en"), [ScoredPassage(passage, 10.0, confidence=0.9)])
    quote = result.citations[0].quote
    assert quote.startswith("職員は、勤務時間の内外を問わず、次に掲げる行為をしてはならない。")
    assert "贈与" not in quote
