"""A penalty question finds the duty it describes; the penal provision citing that duty answers."""
import pytest

from retrieval.extractive import ExtractiveAnswerer
from retrieval.local_search import RankWeights
from retrieval.models import Passage, Question
from retrieval.penal_provisions import cited_keys, is_penal, penal_index
from tests.support import local_searcher

# Written the way statutes punish: the duty in its own article, the penalty by the duty's number.
LAW = """# 町端末管理条例
（目的）
第一条　この条例は、町の端末の適正な管理に関し必要な事項を定めることを目的とする。
（持出しの禁止）
第二条　何人も、町長の許可を受けないで、町の端末を庁舎の外に持ち出してはならない。
（届出）
第三条　端末を紛失した職員は、直ちに、その旨を総務課長に届け出なければならない。
第四条　前条の規定による届出をせず、又は虚偽の届出をした者は、五万円以下の過料に処する。
（罰則）
第五条　第二条の規定に違反した者は、六月以下の拘禁刑又は五十万円以下の罰金に処する。
"""


def test_what_counts_as_a_penal_provision():
    assert is_penal("第二条の規定に違反した者は、六月以下の拘禁刑又は五十万円以下の罰金に処する。")
    assert is_penal("虚偽の届出をした者は、五万円以下の過料に処する。")
    assert not is_penal("任命権者は、職員に対し懲戒処分として戒告、減給、停職又は免職の処分をすることができる。")
    assert not is_penal("罰金の額は、別に定める。")


def test_the_articles_a_provision_cites():
    assert cited_keys("第三十四条第一項又は第二項の規定に違反して秘密を漏らした者", "59") == {"34"}
    assert cited_keys("前条の規定による届出をしなかった者", "3") == {"3"}
    assert cited_keys("第二十七条の二の規定による命令に違反した者", None) == {"27-2"}
    # another law's article, named by the law: not a duty of this one
    assert cited_keys("刑法第六十条の規定にかかわらず、第五条に違反した者", None) == {"5"}


def test_each_duty_maps_to_the_penal_provisions_of_its_own_law():
    passages = [Passage(doc="a.md", seq=0, title="A", text="第二条　持ち出してはならない。", article="第二条", article_key="2"),
                Passage(doc="a.md", seq=1, title="A", text="第三条　届け出なければならない。", article="第三条", article_key="3"),
                Passage(doc="a.md", seq=2, title="A", text="第四条　前条の規定による届出をしない者は、五万円以下の過料に処する。",
                        article="第四条", article_key="4"),
                Passage(doc="a.md", seq=3, title="A", text="第五条　第二条の規定に違反した者は、十万円以下の罰金に処する。",
                        article="第五条", article_key="5"),
                Passage(doc="a.md", seq=4, title="A", text="附則第二条　第二条の規定に違反した者は、一万円以下の罰金に処する。",
                        article="附則第二条", article_key="2", supplementary=True),
                Passage(doc="b.md", seq=0, title="B", text="第二条　公表する。", article="第二条", article_key="2")]
    index = penal_index(passages)
    assert index.by_duty == {("a.md", "3"): [2], ("a.md", "2"): [3]}
    assert index.penal == {("a.md", "4"), ("a.md", "5")}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return local_searcher(tmp_path_factory.mktemp("penal"), {"tanmatsu.md": LAW})


def ranked(searcher, question, weights=None):
    searcher.weights = weights or RankWeights()
    return [r.passage.article for r in searcher.rank(Question(question, "ja"), 5)]


def test_a_penalty_question_is_answered_by_the_provision_punishing_the_duty_it_describes(searcher):
    question = "パソコンを勝手に庁舎の外に持ち出したら、どんな罰がある？"
    assert ranked(searcher, question, RankWeights(penalty_duties=0))[0] == "第二条"  # the duty alone, without the step
    assert ranked(searcher, question)[:2] == ["第五条", "第二条"]
    # 前条: the provision citing the article printed before it
    assert ranked(searcher, "端末をなくしたのに届け出なかったら罰則は？")[:2] == ["第四条", "第三条"]


def test_other_questions_are_ranked_as_before(searcher):
    question = "パソコンを庁舎の外に持ち出してもいい？"
    assert ranked(searcher, question) == ranked(searcher, question, RankWeights(penalty_duties=0))


def test_the_answer_quotes_the_penalty_not_the_duty(searcher):
    searcher.weights = RankWeights()
    question = Question("パソコンを勝手に庁舎の外に持ち出したら、どんな罰がある？", "ja")
    answer = ExtractiveAnswerer(analyzer=searcher.planner.analyzer).compose(question, searcher.rank(question, 5))
    assert not answer.abstained
    assert [c.passage.article for c in answer.citations][:1] == ["第五条"]
    assert "拘禁刑" in answer.text


def test_a_long_penal_article_counts_in_each_of_its_pieces():
    head = "第六十条　次の各号のいずれかに該当する者は、一年以下の拘禁刑又は五十万円以下の罰金に処する。\n一　第十三条の規定に違反した者"
    passages = [Passage(doc="a.md", seq=0, title="A", text="第十三条　差別してはならない。", article="第十三条", article_key="13"),
                Passage(doc="a.md", seq=1, title="A", text="第三十四条　秘密を漏らしてはならない。", article="第三十四条",
                        article_key="34"),
                Passage(doc="a.md", seq=2, title="A", text=head, article="第六十条", article_key="60"),
                Passage(doc="a.md", seq=3, title="A", text="二　第三十四条の規定に違反して秘密を漏らした者", article="第六十条",
                        article_key="60", paragraph="第一項")]
    index = penal_index(passages)
    assert index.by_duty == {("a.md", "13"): [2], ("a.md", "34"): [3]}
    assert index.penal == {("a.md", "60")}  # its items' piece too: it is never taken for a duty


SECRETS = """# 町秘密保持条例
（秘密を守る義務）
第一条　職員は、職務上知り得た秘密を漏らしてはならない。
（罰則）
第二条　次の各号のいずれかに該当する者は、一年以下の拘禁刑又は五十万円以下の罰金に処する。
一　第三条の規定による報告をせず、又は虚偽の報告をした者
二　第一条の規定に違反して秘密を漏らした者
（報告）
第三条　職員は、町長の求めに応じ、業務の状況を報告しなければならない。
"""


def test_a_penalty_on_a_list_is_quoted_with_the_item_for_the_act_asked_about(tmp_path):
    searcher = local_searcher(tmp_path, {"himitsu.md": SECRETS})
    question = Question("職務上知った秘密を漏らしたら、どんな罰則がありますか？", "ja")
    answer = ExtractiveAnswerer(analyzer=searcher.planner.analyzer).compose(question, searcher.rank(question, 5))
    assert [c.passage.article for c in answer.citations] == ["第二条"]
    assert "**一年以下の拘禁刑又は五十万円以下の罰金**" in answer.text
    assert "……第一条の規定に違反して秘密を漏らした者" in answer.text  # the item asked about, not item 一
    assert "虚偽の報告" not in answer.text
    assert answer.citations[0].quote in SECRETS  # the citation's own quote stays verbatim


def test_an_english_reader_is_told_every_penalty_the_provision_allows(tmp_path):
    """The key fact in English names the term and the fine, as 又は joins them, not the first alone."""
    searcher = local_searcher(tmp_path, {"tanmatsu.md": LAW})
    question = Question("What is the penalty for taking a town terminal outside without permission?", "en")
    answer = ExtractiveAnswerer(analyzer=searcher.planner.analyzer).compose(question, searcher.rank(question, 5))
    assert [c.passage.article for c in answer.citations][:1] == ["第五条"]
    assert "imprisonment of up to 6 months or a fine of up to 500,000 yen" in answer.text
    assert "**六月以下の拘禁刑又は五十万円以下の罰金**" in answer.text
