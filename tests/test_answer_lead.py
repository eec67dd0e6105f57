"""Which article the extractive answer leads with when the sentence model re-ordered the list.

Whether to answer is decided in the word ranking's order (the checks were set on it); what is quoted
follows the list as shown when that order clears the same checks, and the word order's answer stands
when it does not. A value asked for that the words ranked just below their first five, and the sentence
model moved into them, is answered as shown (session 41)."""
from __future__ import annotations

from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage

TITLE = "みどり区職員の勤務時間、休日及び休暇に関する条例"


def scored(text: str, article: str, word_rank: int | None, confidence: float = 0.9) -> ScoredPassage:
    return ScoredPassage(Passage(doc="d.md", seq=0, title=TITLE, text=text, article=article), 1.0,
                         confidence=confidence, answer_rank=word_rank)


LEAVE_DAYS = scored("第十条　年次休暇の日数は、一の年において二十日とする。", "第十条", 1)
LEAVE_CARRY = scored("第十一条　年次休暇は、二十日を限度として翌年に繰り越すことができる。", "第十一条", 0)


def answer(question: str, listed: list[ScoredPassage]):
    return ExtractiveAnswerer(analyzer=Analyzer()).compose(Question(question, "ja"), listed)


def test_the_answer_leads_with_the_list_as_shown_when_it_clears_the_checks():
    # The words ranked 第十一条 first; the sentence model moved 第十条 above it.
    listed = [LEAVE_DAYS, LEAVE_CARRY]
    result = answer("年次休暇は一年に何日ですか", listed)
    assert not result.abstained
    assert result.citations[0].passage.article == "第十条"
    assert "二十日" in result.text
    assert result.passages == tuple(listed)


def test_the_word_order_answer_stands_when_the_shown_order_would_abstain():
    """A value question: the words ranked the stating article fifth, the sentence model moved it to
    sixth. In word order a top-five article states a value, so the question is answered; shown, none
    of the first five does, and that order would abstain. The word order's answer stands."""
    silent = [scored("第九条　車賃は、旅行の実費により支給する。", f"第{n}条", rank)
              for n, rank in ((1, 0), (2, 1), (3, 2), (4, 3), (5, 5))]
    stating = scored("第十条　車賃の額は、一キロメートルにつき三十七円とする。", "第十条", 4)
    result = answer("車賃は1キロいくら？", silent + [stating])
    assert not result.abstained
    assert result.citations[0].passage.article == "第1条"  # the word order's lead


def test_an_abstention_in_word_order_is_not_overturned_by_the_shown_order():
    """A value question whose word ranking states no value in its first five abstains, even though
    the sentence model recalled a stating article to the top of the list."""
    silent = [scored("第九条　車賃は、旅行の実費により支給する。", f"第{n}条", n) for n in range(1, 6)]
    recalled = scored("第十条　車賃の額は、一キロメートルにつき三十七円とする。", "第十条", None)
    listed = [recalled] + silent
    assert answer("車賃は1キロいくら？", listed).abstained
    # The same article ranked by the words among the first five is quoted, and leads as shown.
    listed = [scored(recalled.passage.text, "第十条", 4)] + silent[:4]
    result = answer("車賃は1キロいくら？", listed)
    assert not result.abstained and result.citations[0].passage.article == "第十条"


def test_a_value_the_words_ranked_just_below_the_first_five_is_answered_as_shown():
    """Session 41: the words ranked the stating article sixth and the sentence model moved it to the
    top. In word order none of the first five states a value; as shown, it leads, and is quoted."""
    silent = [scored("第九条　車賃は、旅行の実費により支給する。", f"第{n}条", n - 1) for n in range(1, 6)]
    stating = scored("第十条　車賃の額は、一キロメートルにつき三十七円とする。", "第十条", 5)
    result = answer("車賃は1キロいくら？", [stating] + silent)
    assert not result.abstained
    assert result.citations[0].passage.article == "第十条"
    assert "三十七円" in result.text
