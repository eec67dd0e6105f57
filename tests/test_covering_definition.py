"""Definitions: whether a case falls under a term (…って通勤災害になるの？) is answered by the sentence that
defines the term, with the items it introduces — not by a sentence that merely uses it; and what a term
is, by the rule's own definition before guidance restating it."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage

COMMUTE = ScoredPassage(Passage(
    doc="saigai.md", seq=0, title="職員災害補償条例", article="第二条", caption="定義",
    text=("第二条　この条例で「職員」とは、常時勤務に服する者をいう。\n"
          "２　この条例で「通勤」とは、職員が、勤務のため、次に掲げる移動を、合理的な経路及び方法により"
          "行うことをいう。\n"
          "一　住居と勤務場所との間の往復\n"
          "二　一の勤務場所から他の勤務場所への移動\n"
          "３　職員が、前項各号に掲げる移動の経路を逸脱し、又は同項各号に掲げる移動を中断した場合においては、"
          "当該逸脱又は中断の間及びその後の同項各号に掲げる移動は、同項の通勤としない。")),
    1.0, confidence=0.9)

REPORTING = ScoredPassage(Passage(
    doc="tsuho.md", seq=0, title="公益通報者保護法", article="第二条", caption="定義",
    text=("第二条　この法律において「公益通報」とは、労働者が、不正の利益を得る目的、他人に損害を加える目的"
          "その他の不正の目的でなく、通報対象事実が生じ、又はまさに生じようとしている旨を通報することをいう。\n"
          "２　この法律において「公益通報者」とは、公益通報をした者をいう。")),
    1.0, confidence=0.9)


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(analyzer=Analyzer())


def test_a_case_asked_to_fall_under_a_term_is_answered_by_its_definition_and_items(answerer):
    answer = answerer.compose(Question("午前は本庁、午後は支所って日の移動中に転んでケガした。これって通勤災害になるの？",
                                       "ja"), [COMMUTE])
    assert not answer.abstained, answer.text
    citation = answer.citations[0]
    assert citation.quote.startswith("この条例で「通勤」とは"), citation.quote
    assert "一の勤務場所から他の勤務場所への移動" in citation.quote  # the item that covers the case
    assert citation.paragraph == "第二項"


def test_the_name_of_the_law_asked_about_is_no_term_asked(answerer):
    # 公益通報者保護法 holds 公益通報者, a term the article defines too: the question asks about 公益通報
    answer = answerer.compose(Question("自分の昇進のためでもある通報は、公益通報者保護法でいう「公益通報」に当たる？",
                                       "ja"), [REPORTING])
    assert answer.citations[0].quote.startswith("この法律において「公益通報」とは"), answer.citations[0].quote


def test_the_rules_own_definition_leads_guidance_restating_it(answerer):
    guidance = ScoredPassage(Passage(
        doc="guide.md", seq=3, title="情報保護ガイドライン", headings=("2-3 要配慮情報",),
        text="「要配慮情報」とは、本人の病歴その他の配慮を要する情報をいい、例えば診断書の写しが該当する。"),
        1.2, confidence=0.9)
    rule = ScoredPassage(Passage(
        doc="jorei.md", seq=1, title="情報保護条例", article="第二条", caption="定義",
        text="第二条　この条例において「要配慮情報」とは、本人の病歴その他本人に対する不当な差別が生じないよう"
             "その取扱いに特に配慮を要する情報をいう。"),
        1.0, confidence=0.9)
    answer = answerer.compose(Question("要配慮情報って何のこと？", "ja"), [guidance, rule])
    assert answer.citations[0].passage.article == "第二条", answer.text
