"""A yes/no question is answered by a lead article that states the kind of rule asked, at a lower bar.

A question whether something is allowed (ゴルフに行くことは問題ないでしょうか), required or forbidden
is mostly its story: who, where, with whom. The article that answers it states the rule in general
words (利害関係者と…ゴルフをしてはならない), so it covers little of the question, and the coverage
bar turned it away. When the first passage in the answer order states the very kind of rule asked
and covers at least `RULE_ASKED_CONFIDENCE` of the question, it is quoted (session 50)."""
from __future__ import annotations

from retrieval.analysis import Analyzer
from retrieval.extractive import RULE_ASKED_CONFIDENCE, ExtractiveAnswerer
from retrieval.models import ANSWER_CONFIDENCE, Passage, Question, ScoredPassage

TITLE = "みどり区職員服務規程"
GOLF = ("第八条　職員は、利害関係者と共に飲食をし、又は遊技若しくはゴルフをしてはならない。"
        "ただし、社会通念上相当と認められる場合は、この限りでない。")
CARS = "第十二条　公用車を運転する職員は、運転の前に車両の点検を行うものとする。"
SWAP = "第十五条　職員は、所属長の承認を得て、勤務を要しない日を振り替えることができる。"

# Below the coverage bar, above the rule-asked one: what the word ranking gives such a question.
LOW = (RULE_ASKED_CONFIDENCE + ANSWER_CONFIDENCE) / 2


def scored(text: str, article: str, confidence: float, word_rank: int | None = None) -> ScoredPassage:
    return ScoredPassage(Passage(doc="d.md", seq=0, title=TITLE, text=text, article=article), 1.0,
                         confidence=confidence, answer_rank=word_rank)


def answer(question: str, listed: list[ScoredPassage], language: str = "ja"):
    return ExtractiveAnswerer(analyzer=Analyzer()).compose(Question(question, language), listed)


def test_a_permission_question_is_answered_by_a_lead_stating_the_rule():
    result = answer("許認可の相手方の業者の方とゴルフに行くことは問題ないでしょうか。", [scored(GOLF, "第八条", LOW)])
    assert not result.abstained
    assert result.citations[0].passage.article == "第八条"
    assert "ゴルフをしてはならない" in result.text


def test_an_obligation_question_needs_an_article_stating_an_obligation():
    # 振り替えなきゃいけない？ asks whether one must; 第十五条 grants a permission (できる), no duty.
    assert answer("休日出勤したら、別の日に振り替えなきゃいけない？", [scored(SWAP, "第十五条", LOW)]).abstained
    required = SWAP.replace("振り替えることができる", "振り替えなければならない")
    assert not answer("休日出勤したら、別の日に振り替えなきゃいけない？", [scored(required, "第十五条", LOW)]).abstained


def test_a_lead_stating_no_rule_of_that_kind_still_abstains():
    # 第十二条 states a practice (…ものとする), neither a permission nor a prohibition.
    assert answer("公用車で家族を送ってもいい？", [scored(CARS, "第十二条", LOW)]).abstained


def test_a_lead_covering_too_little_of_the_question_still_abstains():
    below = RULE_ASKED_CONFIDENCE - 0.05
    assert answer("許認可の相手方の業者の方とゴルフに行くことは問題ないでしょうか。",
                  [scored(GOLF, "第八条", below)]).abstained


def test_a_question_asking_for_no_rule_is_not_answered_this_way():
    # A question for a value (how many days), not for whether something is allowed.
    assert answer("ゴルフは年に何回まで行けますか。", [scored(GOLF, "第八条", LOW)]).abstained


def test_only_the_first_passage_in_the_answer_order_can_answer_this_way():
    """The rule must be stated by the passage the answer is decided on: the word ranking's first. A
    list the sentence model re-ordered may put the stating article first, but may not answer by it."""
    listed = [scored(GOLF, "第八条", LOW, word_rank=1), scored(CARS, "第十二条", LOW, word_rank=0)]
    assert answer("許認可の相手方の業者の方とゴルフに行くことは問題ないでしょうか。", listed).abstained


def test_an_english_permission_question_is_answered_the_same_way():
    result = answer("Can I play golf with a contractor I deal with on permits?", [scored(GOLF, "第八条", LOW)],
                    language="en")
    assert not result.abstained
    assert result.citations[0].passage.article == "第八条"
