"""A citation's quote of a long sentence shows the value the question asked for: when the value lies in
the middle a shortened quote would drop, the opening conditions give way, and the close, where the
statute states its rule, is kept."""
import pytest

from retrieval.analysis import Analyzer
from retrieval.extractive import MAX_QUOTE_CHARS, ExtractiveAnswerer, cited_window, truncated
from retrieval.models import Passage, Question, ScoredPassage

# One long sentence: the conditions first, the period asked for in the middle, the rule at the close
# (written for this test in the shape of 地方公務員法 第二十六条の五's first 項).
CONDITIONS = ("任命権者は、職員（臨時的に任用される職員その他の法律により任期を定めて任用される職員及び非常勤職員を除く。"
              "以下この条において同じ。）が申請した場合において、公務の運営に支障がなく、かつ、当該職員の公務に関する"
              "能力の向上に資すると認めるときは、条例で定めるところにより、当該職員が、")
PERIOD = "三年を超えない範囲内において条例で定める期間"
MIDDLE = ("、大学等課程の履修（大学その他の条例で定める教育施設の課程の履修をいう。）又は国際貢献活動（国際協力の促進に"
          "資する外国における奉仕活動のうち職員として参加することが適当であると認められるものとして条例で定めるものに"
          "参加することをいう。）のための休業（以下「自己啓発等休業」という。）")
RULE = "をすることを承認することができる。"
SENTENCE = CONDITIONS + PERIOD + MIDDLE + RULE


def pieces(quote: str) -> list[str]:
    return [piece for piece in quote.split("…") if piece]


def test_a_value_in_the_dropped_middle_is_quoted_with_the_close_and_the_opening_gives_way():
    bolded = SENTENCE.replace("三年を超えない範囲内", "**三年を超えない範囲内**")
    assert PERIOD not in truncated(SENTENCE)  # what the citation used to show: opening … close
    quote = cited_window(bolded)
    assert PERIOD in quote and quote.endswith(RULE) and quote.startswith("…")
    assert len(quote) <= MAX_QUOTE_CHARS and "**" not in quote
    assert all(piece in SENTENCE for piece in pieces(quote))  # verbatim, only shortened


def test_a_quote_without_a_value_or_with_it_in_the_kept_opening_or_close_is_shortened_as_before():
    assert cited_window(SENTENCE) == truncated(SENTENCE)
    in_opening = SENTENCE.replace("任命権者", "**任命権者**", 1)
    assert cited_window(in_opening) == truncated(SENTENCE)
    in_close = SENTENCE.replace("承認することができる", "**承認することができる**")
    assert cited_window(in_close) == truncated(SENTENCE)
    assert cited_window("年次休暇は、**二十日**とする。") == "年次休暇は、二十日とする。"


@pytest.fixture(scope="module")
def answerer():
    return ExtractiveAnswerer(analyzer=Analyzer())


def test_the_answer_to_a_period_question_cites_the_words_that_state_the_period(answerer):
    passage = Passage(doc="chiko.txt", seq=0, title="地方公務員法", article="第二十六条の五",
                      caption="自己啓発等休業", text=f"（自己啓発等休業）\n第二十六条の五　{SENTENCE}")
    question = Question("国際貢献活動のための自己啓発等休業は、どのくらいの期間まで認められますか。", "ja")
    answer = answerer.compose(question, [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert not answer.abstained
    quote = answer.citations[0].quote
    assert PERIOD in quote and quote.endswith(RULE)
    assert all(piece in passage.text for piece in pieces(quote))
