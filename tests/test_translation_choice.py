"""Choosing among an English word's dictionary translations by the company they keep in the corpus
(retrieval.translation_choice): on a hand-made term matrix, and end to end over a real SQLite index
with the installed JMdict."""
from __future__ import annotations

import pytest

import retrieval.translation_choice as translation_choice
from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.english_dictionary import jmdict_path
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher
from retrieval.models import Passage, Question
from retrieval.query import QueryPlan
from retrieval.term_matrix import TermMatrix
from retrieval.tokens import TokenCounter
from retrieval.translation_choice import with_translations_chosen

# receive -> 受信 / 受け取り: only 受け取り shares passages with 補償 and 負傷.
ROWS = ["負傷 補償 受け取り", "負傷 療養 補償", "補償 受け取り 手続", "受信 電子 メール", "受信 保存 期間",
        "研修 実施", "期間 計算", "保存 文書"]
RECEIVE = (("受信",), ("受け取り",))
COMPENSATION = (("補償",),)
INJURY = (("負傷",), ("故障",))  # 故障 is in no passage at all


def matrix() -> TermMatrix:
    passages = [Passage(doc="d.md", seq=i, title="T", text=row) for i, row in enumerate(ROWS)]
    return TermMatrix(passages, [(row, "", "") for row in ROWS])


def plan(*concepts, loose=None, language="en") -> QueryPlan:
    terms = [t for concept in concepts for alternative in concept for t in alternative]
    return QueryPlan(text="q", terms=("receiv", "compens"), expansions=tuple(dict.fromkeys(terms)), laws=(),
                     articles=(), wants_old_version=False, wants_current_version=False, concepts=tuple(concepts),
                     language=language, loose_concepts=tuple(concepts if loose is None else loose))


def test_the_translation_the_other_words_keep_company_with_is_kept():
    chosen = with_translations_chosen(plan(RECEIVE, COMPENSATION, INJURY), matrix())
    assert chosen.concepts[0] == (("受け取り",),)
    assert chosen.loose_concepts[0] == (("受け取り",),)
    assert "受信" not in chosen.expansions and "受け取り" in chosen.expansions
    # 故障 co-occurs with nothing (it is in no passage): 負傷 is the injury meant
    assert chosen.concepts[2] == (("負傷",),) and "故障" not in chosen.expansions
    assert chosen.concepts[1] == COMPENSATION


def test_a_word_with_no_evidence_either_way_keeps_every_translation():
    # 研修 and 期間 share no passage with each other or with 受信 / 受け取り: nothing to choose by
    unrelated = (("研修",),)
    chosen = with_translations_chosen(plan(RECEIVE, unrelated), matrix())
    assert chosen.concepts[0] == RECEIVE


def test_reviewed_glossary_alternatives_are_never_dropped():
    reviewed = plan(RECEIVE, COMPENSATION, loose=())  # both concepts from the glossary
    assert with_translations_chosen(reviewed, matrix()) is reviewed


def test_japanese_questions_and_single_concepts_are_left_alone():
    japanese = plan(RECEIVE, COMPENSATION, language="ja")
    assert with_translations_chosen(japanese, matrix()) is japanese
    alone = plan(RECEIVE)
    assert with_translations_chosen(alone, matrix()) is alone


DOCUMENTS = {
    "hosho.md": "# テスト町職員災害補償規程\n\n（療養補償）\n"
                "第一条　公務上負傷した職員は、療養補償を受け取ることができる。\n\n（休業補償）\n"
                "第二条　公務上負傷した職員が勤務することができない場合には、休業補償を行う。\n",
    "joho.md": "# テスト町情報システム管理規程\n\n（電子メール）\n第一条　受信した電子メールは、五年間保存する。\n\n"
               "（受け入れ）\n第二条　新しい端末の受け入れは、情報政策課が行う。\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> LocalSearcher:
    analyzer = Analyzer()
    work = tmp_path_factory.mktemp("translation-choice")
    corpus = work / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = LocalIndex(work / "data" / "index.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter()).run(corpus)
    return LocalSearcher(index=index, analyzer=analyzer)


@pytest.mark.skipif(jmdict_path() is None, reason="jamdict-data (requirements.txt) is not installed")
def test_a_wrong_translation_no_longer_brings_in_an_unrelated_regulation(searcher, monkeypatch):
    # JMdict gives "receive" 受信, 受け取り and 受け入れ; the e-mail and equipment articles hold the
    # other two and none of the question's other words.
    question = Question("Can I receive compensation for an injury at work?", "en")
    titles = {r.passage.title for r in searcher.rank(question, 5)}
    assert titles == {"テスト町職員災害補償規程"}
    monkeypatch.setattr(translation_choice, "KEEP_SHARE", 0.0)  # every translation kept, as before
    titles = {r.passage.title for r in searcher.rank(question, 5)}
    assert "テスト町情報システム管理規程" in titles
