"""A chat question's told situation is set apart from what it asks."""
import pytest

from retrieval.analysis import Analyzer
from retrieval.question_parts import situation_terms, split_situation


@pytest.mark.parametrize("text, situation, question", [
    ("係長に無理と言われた。任命権者は育休の請求を断れるの？", "係長に無理と言われた。", "任命権者は育休の請求を断れるの？"),
    # a supplement after the question mark belongs to the question
    ("残業を免除してもらえるの？（2013年版の育介法で）", "", "残業を免除してもらえるの？（2013年版の育介法で）"),
    ("子が2人いるんだけど、看護休暇は何日？2013年版で知りたい", "", "子が2人いるんだけど、看護休暇は何日？2013年版で知りたい"),
    ("年次休暇は何日ですか", "", "年次休暇は何日ですか"),
    ("I was told no. Can my manager refuse my leave?", "I was told no.", " Can my manager refuse my leave?"),
    ("昨日転んだ。\n通勤災害になる", "昨日転んだ。\n", "通勤災害になる"),  # no question mark: the last line asks
])
def test_split_situation(text, situation, question):
    assert split_situation(text) == (situation, question)


def test_situation_terms_are_those_the_question_itself_does_not_use():
    terms = situation_terms(Analyzer(), "スーパーで買い物をして帰る途中で転んだ。帰る途中のけがは通勤災害になる？")
    assert "スーパー" in terms and "買い物" in terms
    assert "通勤" not in terms and "途中" not in terms


def test_a_situation_of_unknown_words_does_not_make_an_answerable_question_abstain(services):
    import asyncio

    from retrieval.models import Question

    plain = asyncio.run(services.pipeline.answer(Question("年次休暇は何日ですか", "ja")))
    told = asyncio.run(services.pipeline.answer(Question(
        "隣の席のタナカさんがパンダのぬいぐるみを買ってきた。年次休暇は何日ですか", "ja")))
    assert not plain.abstained and not told.abstained
    assert told.citations[0].passage.article == plain.citations[0].passage.article
