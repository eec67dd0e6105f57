"""Answer type against passage in the re-ranker: a definition question (…に当たる？, …とは) lifts the
article that defines the term it names; a question for kinds (種類) the passage that lists them."""
import pytest

from retrieval.analysis import normalize
from retrieval.answer_types import AnswerType, defined_terms_in
from retrieval.models import Passage
from retrieval.rerank import PassageText, RerankWeights, rerank_bonus

DEFINES = Passage(doc="law.txt", seq=1, title="条例", article="第二条",
                  text="第二条　この条例において「個人情報」とは、生存する個人に関する情報をいう。")
USES = Passage(doc="law.txt", seq=2, title="条例", article="第三条",
               text="第三条　実施機関は、個人情報を目的外に提供してはならない。")
DEFINES_OTHER = Passage(doc="law.txt", seq=3, title="条例", article="第四条",
                        text="第四条　この条例において「実施機関」とは、町長及び教育委員会をいう。")
PRESENT = [("個人", 1.0), ("情報", 1.0)]
WEIGHTS = RerankWeights(sentence=0.0, caption=0.0, answer_value=0.0, definition=0.3)


def bonus(passage, answer_type=AnswerType.DEFINITION, present=PRESENT):
    return rerank_bonus(passage.seq, passage, present, 3.0, answer_type, WEIGHTS, PassageText())


def test_only_the_article_defining_the_named_term_gets_the_bonus():
    assert bonus(DEFINES) == 0.3
    assert bonus(USES) == 0.0
    assert bonus(DEFINES_OTHER) == 0.0


def test_no_bonus_for_other_question_kinds_or_a_term_the_question_only_partly_names():
    assert bonus(DEFINES, AnswerType.PERMISSION) == 0.0
    assert bonus(DEFINES, present=[("個人", 1.0)]) == 0.0  # 個人 alone does not name 個人情報


def test_a_question_for_kinds_lifts_the_passage_that_lists_them():
    weights = RerankWeights(sentence=0.0, caption=0.0, answer_value=0.3, definition=0.0)
    lists = Passage(doc="law.txt", seq=5, title="法", article="第二十九条",
                    text="第二十九条　懲戒処分として戒告、減給、停職又は免職の処分をすることができる。")
    present = [("懲戒", 1.0), ("処分", 1.0)]

    def bonus(passage, kind):
        return rerank_bonus(passage.seq, passage, present, 3.0, kind, weights, PassageText())

    assert bonus(lists, AnswerType.LIST) == 0.3
    assert bonus(USES, AnswerType.LIST) == 0.0
    assert bonus(lists, AnswerType.PERMISSION) == 0.0


# Most 例規 define their terms one item per term in a 定義 article, without 「」.
DEFINITIONS_ARTICLE = Passage(
    doc="security.md", seq=6, title="情報セキュリティ規程", article="第二条", caption="定義",
    text="（定義）\n第二条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n"
         "一　端末　区が職員に貸与するパソコンその他の電子計算機をいう。\n"
         "二　外部記録媒体　USBメモリ、SDカードその他の可搬型の記録媒体をいう。")


def test_a_term_defined_as_an_item_of_a_definitions_article_counts_as_defined():
    assert defined_terms_in(normalize(DEFINITIONS_ARTICLE.text)) == ["端末", "外部記録媒体"]
    present = [("外部", 1.0), ("記録", 1.0), ("媒体", 1.0)]
    assert bonus(DEFINITIONS_ARTICLE, present=present) == 0.3


def test_an_item_that_merely_ends_with_a_defining_parenthetical_defines_nothing():
    # 「一　内国旅行であって、宿泊を伴わないもの　所属長（課長…をいう。以下同じ。）」 assigns a person to a
    # kind of trip; the parenthetical defines 所属長 in passing, which the 「」-less item form must not read
    # as the item's own term.
    text = ("一　内国旅行であって、宿泊を伴わないもの　所属長（課長又はこれに相当する職にある者をいう。以下同じ。）\n"
            "二　外国旅行　区長")
    assert defined_terms_in(normalize(text)) == []
    assert defined_terms_in(normalize("第二条　この条例において「個人情報」とは、生存する個人に関する情報をいう。")) == ["個人情報"]


@pytest.mark.parametrize("item, defined", [
    # a parenthesis with its own 。 inside the meaning
    ("二　在宅勤務　職員の自宅（第十一条第二項の規定により届け出た場所を含む。）において勤務することをいう。", ["在宅勤務"]),
    ("三　サテライトオフィス勤務　区が指定する区の施設内の執務スペース（以下「サテライトオフィス」という。）において勤務することをいう。",
     ["サテライトオフィス勤務"]),
    # nested once
    ("七　子法人　営利企業等に財務及び営業の方針を決定する機関（株主総会（種類株主総会を含む。）その他これに準ずる機関をいう。）"
     "を支配されている法人をいう。", ["子法人"]),
    # the meaning goes on after をいい、
    ("二　セクシュアル・ハラスメント　職場における性的な言動をいい、性自認に関する偏見に基づく言動を含む。", ["セクシュアル・ハラスメント"]),
    # an をいう。 inside a parenthesis defines another word in passing, not the item's
    ("七　子法人　営利企業等に財務及び営業又は事業の方針を決定する機関（株主総会その他これに準ずる機関をいう。）を支配されている法人",
     []),
    ("三十六　財務大臣　国税収納金整理資金に関する法律による国税等（同法第八条第一項に規定する国税等をいう。）の収納", []),
])
def test_a_definitions_item_is_read_through_its_parentheses(item, defined):
    assert defined_terms_in(normalize(item), strict=True) == defined
