"""A compound verb in a question (届け出た, 取り消した) meets the noun a statute writes (届出, 取消し):
Sudachi's short units split the verb in two but keep the noun whole."""
import pytest

from retrieval.analysis import Analyzer

ANALYZER = Analyzer()


@pytest.mark.parametrize(("asked", "written", "noun"), [
    ("市長に届け出た", "届出", "届け出"),
    ("許可を取り消した", "許可の取消し", "取り消し"),
    ("払い戻してもらう", "払戻し", "払い戻し"),
    ("現場に立ち入って", "立入検査", "立ち入り"),
    ("育児休業を申し出た", "育児休業申出", "申し出"),
    ("業務を引き継ぐ", "引継ぎ", "引き継ぎ"),
    ("窓口で受け付けた", "受付", "受け付け"),
    ("研修に申し込んだ", "申込み", "申し込み"),
    ("個人情報を取り扱う", "取扱い", "取り扱い"),
])
def test_the_verb_yields_the_noun_term_the_statute_uses(asked, written, noun):
    assert noun in ANALYZER.terms(written)
    assert noun in ANALYZER.terms(asked)


@pytest.mark.parametrize(("text", "terms"), [
    ("書き始める", ["書く", "始める"]),  # 書き始め is no dictionary noun
    ("食べて出る", ["食べる", "出る"]),  # two verbs, not a compound
    ("とりけした", ["取る", "消す"]),  # a compound in kana is left alone rather than guessed
])
def test_no_noun_is_made_up_where_the_dictionary_has_none(text, terms):
    assert ANALYZER.terms(text) == terms


def test_a_question_with_the_verb_finds_the_article_with_the_noun(tmp_path):
    from indexer.build import Indexer
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.models import Question
    from retrieval.tokens import TokenCounter

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "甲規則.txt").write_text(
        "甲規則\n（許可）\n第一条　許可を受けようとする者は、申請書を市長に提出しなければならない。\n"
        "（許可の取消し）\n第二条　市長は、偽りその他不正の手段により前条の承認を受けた者があるときは、その取消しをすることができる。\n",
        encoding="utf-8")
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=ANALYZER, tokens=TokenCounter(), max_tokens=400).run(corpus)
    searcher = LocalSearcher(index=index, analyzer=ANALYZER)
    top = searcher.rank(Question(text="許可が取り消されるのはどんなとき？", language="ja"), 2)
    assert top[0].passage.article == "第二条"
