"""A question asking which things (どのような事項 / どういう場合 / どんな基準) is answered by the items
a sentence introduces (次に掲げる事項を…通知しなければならない。 一　… 二　…), in each numbering the
corpora use: 一 (statutes), (1) (a municipality's 例規集) and ① (the model work rules)."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.answer_types import analyse
from retrieval.extractive import MAX_QUOTE_CHARS, located_best_sentence, located_sentences
from retrieval.query import content_terms

NOTICE = ("（聴聞の通知）\n第九条　区長は、聴聞を行うに当たっては、名あて人に対し、次に掲げる事項を書面により"
          "通知しなければならない。\n一　予定される処分の内容\n二　処分の原因となる事実\n三　聴聞の期日及び場所\n"
          "２　前項の書面には、意見書を提出できる旨を教示しなければならない。")
STANDARDS = ("第2条　規程中の用字及び送り仮名は、次に掲げる基準により改める。\n(1)　公用文作成の要領に定める基準\n"
             "(2)　常用漢字表に定める基準")
SIDE_JOBS = ("第７０条　労働者は、勤務時間外において、他の業務に従事することができる。\n２　会社は、次の各号のいずれかに"
             "該当する場合には、これを禁止又は制限することができる。\n① 労務提供上の支障がある場合\n② 企業秘密が漏洩する場合")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def quote(analyzer: Analyzer, text: str, question: str) -> tuple[str, tuple[int, int | None]]:
    return located_best_sentence(text, set(content_terms(analyzer, question)), analyzer, intent=analyse(question))


def test_which_matters_are_answered_by_the_items_after_their_lead(analyzer):
    shown, place = quote(analyzer, NOTICE, "聴聞の通知書にはどのような事項を書く必要がありますか。")
    assert shown.startswith("区長は、聴聞を行うに当たっては")
    for item in ("一　予定される処分の内容", "二　処分の原因となる事実", "三　聴聞の期日及び場所"):
        assert item in shown
    assert place == (1, None)  # cited as the paragraph whose items these are


def test_an_item_chosen_by_its_words_brings_its_whole_list_when_which_is_asked(analyzer):
    # 期日 and 場所 are words of the third item only: it would be quoted alone
    alone, _ = quote(analyzer, NOTICE, "聴聞の期日と場所は通知する？")
    assert alone == "聴聞の期日及び場所"
    listed, place = quote(analyzer, NOTICE, "聴聞の期日のほかにどんなことを通知する？")
    assert "一　予定される処分の内容" in listed and place == (1, None)


def test_a_question_that_does_not_ask_which_keeps_the_lead_alone(analyzer):
    shown, _ = quote(analyzer, NOTICE, "聴聞の通知は書面でしなければならない？")
    assert "一　予定される処分の内容" not in shown


def test_a_value_asked_for_is_not_turned_into_a_list(analyzer):
    text = ("第五条　時間単位の休暇を日に換算する場合には、次の各号に掲げる職員の区分に応じ、当該各号に定める"
            "時間数をもって一日とする。\n一　常勤の職員　七時間四十五分\n二　短時間勤務の職員　勤務日ごとの時間数")
    shown, place = quote(analyzer, text, "常勤の職員だと、どのような時間数を何時間で一日とする？")
    assert "常勤の職員" in shown and "短時間勤務" not in shown and place == (1, 1)


def test_where_to_turn_is_answered_by_the_desks_listed(analyzer):
    text = ("第九条　職員からの相談に対応するため、次に掲げる相談窓口を設ける。\n一　総務部職員課（本庁舎四階）\n"
            "二　各部に置く相談員")
    shown, _ = quote(analyzer, text, "相談窓口はどこ？")
    assert "一　総務部職員課（本庁舎四階）" in shown and "二　各部に置く相談員" in shown


def test_kinds_the_lead_names_itself_are_not_followed_by_its_items(analyzer):
    text = ("第二十九条　職員が次の各号の一に該当する場合においては、懲戒処分として戒告、減給、停職又は免職の処分を"
            "することができる。\n一　法令に違反した場合\n二　職務上の義務に違反した場合")
    shown, _ = quote(analyzer, text, "懲戒処分の種類は？")
    assert "戒告、減給、停職又は免職" in shown and "法令に違反した場合" not in shown


@pytest.mark.parametrize("text, question, first_item", [
    (STANDARDS, "用字や送り仮名はどんな基準で改めた？", "(1)　公用文作成の要領に定める基準"),
    (SIDE_JOBS, "副業ってどういう場合に禁止できるの？", "① 労務提供上の支障がある場合"),
], ids=["municipal (1)", "model rules ①"])
def test_municipal_and_model_rule_numbering_are_items_too(analyzer, text, question, first_item):
    shown, _ = quote(analyzer, text, question)
    assert first_item in shown and "次" in shown.split(first_item)[0]


def test_items_numbered_1_and_circled_are_located_as_items():
    places = [place for _, place, _ in located_sentences(STANDARDS)]
    assert places == [(1, None), (1, 1), (1, 2)]
    places = [place for _, place, _ in located_sentences(SIDE_JOBS)]
    assert places == [(1, None), (2, None), (2, 1), (2, 2)]


def test_a_long_list_stays_within_the_quote_length(analyzer):
    items = "\n".join(f"{number}　{'区の事務に関する相当に長い説明の文言' * 3}" for number in "一二三四五六七八")
    text = f"第三条　区長は、次に掲げる事項を公表しなければならない。\n{items}"
    shown, _ = quote(analyzer, text, "区長はどのような事項を公表する？")
    assert len(shown) <= MAX_QUOTE_CHARS and shown.startswith("区長は") and shown.endswith("…")
