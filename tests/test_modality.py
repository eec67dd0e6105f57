"""A yes/no question about a rule is answered by that kind of rule: しなきゃだめ？ by an obligation,
アウト？ by a prohibition, していいの？ by a grant or an exception (retrieval.answer_types.asked_modality,
retrieval.rerank's modality feature)."""
import pytest

from retrieval.answer_types import AnswerType, Modality, asked_modality, states_modality
from retrieval.models import Passage, Question
from retrieval.rerank import PassageText, RerankWeights, rerank_bonus
from tests.support import local_searcher


@pytest.mark.parametrize("question, modality", [
    ("これって答えなきゃいけないの？", Modality.OBLIGATION),
    ("通知書に不服申立ての案内を書くのって義務？", Modality.OBLIGATION),
    ("兼業の許可って要るの？", Modality.OBLIGATION),
    ("Do we have to hold a formal hearing before revoking a permit?", Modality.OBLIGATION),
    ("知り合いの候補に投票してって頼んで回るのってアウト？", Modality.PROHIBITION),
    ("勤務中に私用のUSBメモリを使うのは禁止されていますか。", Modality.PROHIBITION),
    ("本人の同意とれないけど出していいの？", Modality.PERMISSION),
    ("育休の請求って断れる？", Modality.PERMISSION),
    # only the asking sentence counts: the first sentence states a requirement, the second asks leave
    ("The rules say this application has to be on paper. Can we let residents submit it online?",
     Modality.PERMISSION),
    ("前もって申請しとかなきゃだめなんだよね？あとから出すのってアリ？", Modality.PERMISSION),
    # a value asked for is answered by the article stating it, whatever kind of rule that is
    ("記録って何年とっとかないといけないんだっけ？", None),
    ("育休はいつまで取れる？", None),
    ("年休は何日もらえますか", None),
])
def test_the_kind_of_rule_asked_about(question, modality):
    assert asked_modality(question) is modality


def test_how_statutes_word_each_kind_of_rule():
    assert states_modality(Modality.OBLIGATION, "任命権者は、承認しなければならない。")
    assert states_modality(Modality.PROHIBITION, "職員は、その職を退いた後も、また、同様とする。秘密を漏らしてはならない。")
    # the exception to a prohibition answers whether one may
    assert states_modality(Modality.PERMISSION, "次の各号のいずれかに該当する場合を除き、提供をしてはならない。")
    assert states_modality(Modality.PERMISSION, "ただし、緊急の場合は、この限りでない。")
    assert not states_modality(Modality.OBLIGATION, "この条例は、公布の日から施行する。")
    assert not states_modality(Modality.PERMISSION, "委員会は、委員五人で組織する。")


def test_the_passage_stating_the_asked_kind_of_rule_gets_the_bonus():
    weights = RerankWeights(sentence=0.0, caption=0.0, answer_value=0.0, definition=0.0, bound=0.0, modality=0.3)
    terms, total = [("申請", 1.0)], 1.0

    def bonus(text, modality):
        passage = Passage(doc="d", seq=0, title="t", text=text, article="第一条")
        return rerank_bonus(0, passage, terms, total, AnswerType.PERMISSION, weights, PassageText(),
                            modality=modality)

    must = "申請者は、書面を提出しなければならない。"
    may = "申請者は、事後において承認を求めることができる。"
    assert bonus(must, Modality.OBLIGATION) == pytest.approx(0.3) and bonus(may, Modality.OBLIGATION) == 0.0
    assert bonus(may, Modality.PERMISSION) == pytest.approx(0.3) and bonus(must, Modality.PERMISSION) == 0.0
    assert bonus(must, None) == bonus(may, None) == 0.0


def test_a_permission_question_leads_with_the_article_that_grants_it(tmp_path):
    """End to end through LocalSearcher on a real SQLite index: both articles share the question's
    words, one sets the rule, the other the leave the question asks about."""
    searcher = local_searcher(tmp_path, {"休暇規程.txt": (
        "休暇規程\n"
        "（休暇の申請）\n第五条　休暇の申請は、あらかじめ所属長の定めるところにより休暇簿を出して行う。\n"
        "（事後の申請）\n第六条　病気その他やむを得ない事由により前条の申請ができなかった職員は、"
        "事後に休暇簿を出して休暇の申請をすることができる。\n")})
    question = Question(text="休暇の申請って、あとから出してもいいの？", language="ja")
    assert searcher.rank(question, 2)[0].passage.article == "第六条"
    searcher.rerank_weights = RerankWeights(modality=0.0)
    without = searcher.rank(question, 2)[0].passage.article
    assert without == "第五条", "the fixture must need the feature to flip"
