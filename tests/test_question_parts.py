"""A chat question's told situation is set apart from what it asks."""
import pytest

from retrieval.analysis import Analyzer
from retrieval.question_parts import (asking_part, in_written_register, situation_terms, split_situation, topic_phrase, written_casually)


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


def test_a_polite_question_without_a_question_mark_is_the_asking_sentence():
    """Business Japanese often ends a question with 。: a closing courtesy after it asks nothing,
    and a supplement after it (…使いたいのですが。) is not the question either."""
    situation, question = split_situation(
        "お疲れ様です。施設管理係です。駐車場の柵が壊されました。修理費用を請求できますか。よろしくお願いいたします。")
    assert "修理費用を請求できますか" in question and "柵" in situation
    situation, question = split_situation("年休は1日単位でしか取れないのでしょうか。1時間だけ使いたいのですが。")
    assert situation == "" and question.startswith("年休は")
    assert situation_terms(Analyzer(), "市民から苦情がありました。窓口の対応についてご教示ください。") == ("市民", "苦情")


@pytest.mark.parametrize("text, asking", [
    # sentences telling the situation, then the question
    ("係長に今は無理と言われた。育休の請求は断れるの？", "育休の請求は断れるの？"),
    # one sentence: the clause after its last background connector asks
    ("雪で電車が止まったんだけど、遅刻したら年休扱いになる？", "遅刻したら年休扱いになる？"),
    ("先月異動したのですが、旅費の精算期限はいつですか？", "旅費の精算期限はいつですか？"),
    # the whole question asks: nothing to weigh apart
    ("育休はいつまで取れますか？", None),
    ("兼業の許可が必要な場合は？", None),  # が alone joins a noun, it is no background clause
    ("年休を取ったんだけど、", None),  # a connector with nothing after it asks nothing apart
])
def test_asking_part(text, asking):
    assert asking_part(text) == asking


@pytest.mark.parametrize("text, casual", [
    ("有給って時間単位でも取れる？", True),
    ("育休はいつまで取れるの", True),
    ("試用期間中の人って、すぐにクビにできるの？", True),
    ("有給休暇は時間単位でも取得できますか。", False),
    ("育児休業の期間を教えてください", False),
    ("延長は認められるのでしょうか", False),
    ("ご教示いただけますと幸いです。", False),
    ("お世話になっております。人事課の山田です。期限はいつまでか", False),  # polite in its story
    ("Can I take my annual leave by the hour?", False),  # English has no such register here
])
def test_written_casually(text, casual):
    assert written_casually(text) is casual


@pytest.mark.parametrize("text, written", [
    ("有給って時間単位でも取れる？", "有給って時間単位でも取れるのですか。"),
    ("副業っていいの？", "副業ってよいですか。"),
    ("結論出るまで止めとかなきゃダメ？", "結論出るまで止めとかなければならないのですか。"),
    ("USBを持ち出しちゃダメ？", "USBを持ち出してはならないのですか。"),
    ("要配慮個人情報って何？", "要配慮個人情報とは何ですか。"),
    ("残業代の割増って何割？", "残業代の割増って何割ですか。"),
    ("月60時間超えたら上がるんだっけ？", "月60時間超えたら上がるのですか。"),
    # every asking sentence, and a quotation's って is left alone
    ("係長に「育休は無理」って言われた。断れる？延長もできる？",
     "係長に「育休は無理」って言われた。断れるのですか。延長もできるのですか。"),
    ("育休はいつまで取れる", "育休はいつまで取れる"),  # no question mark: nothing to rewrite
    # the polite register and English are read as written
    ("有給休暇は時間単位でも取得できますか？", "有給休暇は時間単位でも取得できますか？"),
    ("Can I work from home?", "Can I work from home?"),
])
def test_in_written_register(text, written):
    assert in_written_register(text) == written


@pytest.mark.parametrize("question, topic", [
    ("住居手当はいくら？", "住居手当"),
    ("その解雇ってどうなるの？", "その解雇"),
    ("パワハラとは？", "パワハラ"),
    # after a story, the asking sentence's topic
    ("係長に言われた。育休の期間は？", "育休の期間"),
    ("いつまでに出せばいい？", None),
])
def test_the_topic_is_what_comes_before_the_first_topic_marker(question, topic):
    assert topic_phrase(question) == topic
