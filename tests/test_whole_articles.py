"""One result per article, carrying the whole article (retrieval.whole_articles).

The search test indexes a small law it writes itself into a real SQLite index, cut into pieces of
a few dozen tokens so that one article makes several pieces."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher
from retrieval.models import Passage, Question
from retrieval.tokens import TokenCounter
from retrieval.whole_articles import article_pieces, whole_article


def _piece(seq, text, article="第三条", caption="休暇", page=None):
    return Passage(doc="a.txt", seq=seq, title="A", text=text, article=article, caption=caption, page=page)


PIECES = [_piece(0, "（休暇）\n第三条　一項の文。"), _piece(1, "（休暇）\n第三条　２　二項の文。"),
          _piece(2, "（休暇）\n第三条　３　三項の文。"), _piece(3, "（旅費）\n第四条　別の条。", "第四条", "旅費")]


def test_the_pieces_of_an_article_are_joined_under_one_header_in_order():
    pieces = article_pieces(PIECES)
    assert pieces[("a.txt", "第三条", (), None)] == [0, 1, 2]
    merged, focus = whole_article(PIECES, pieces[("a.txt", "第三条", (), None)], best=2)
    assert merged.text == "（休暇）\n第三条　一項の文。\n２　二項の文。\n３　三項の文。"
    assert merged.seq == 0 and merged.article == "第三条"
    assert focus is not None and merged.text[focus[0]:focus[1]] == "３　三項の文。"  # the piece that matched
    first, focus = whole_article(PIECES, [0, 1, 2], best=0)
    assert focus is not None and first.text[focus[0]:focus[1]] == "（休暇）\n第三条　一項の文。"


def test_a_size_bound_keeps_the_best_piece_and_its_nearest_neighbours():
    rows = [0, 1, 2]
    merged, _ = whole_article(PIECES, rows, best=2, max_chars=len("（休暇）\n第三条　") + 15)
    assert merged.text == "（休暇）\n第三条　２　二項の文。\n３　三項の文。"  # 一項 would pass the bound
    assert whole_article(PIECES, rows, best=1, max_chars=1) == (PIECES[1], None)  # alone, even if too long


def test_a_section_without_articles_is_joined_by_its_headings():
    section = [Passage(doc="g.html", seq=i, title="G", text=t, headings=h) for i, (t, h) in enumerate([
        ("前文。", ()), ("定義の一。", ("2 定義",)), ("定義の二。", ("2 定義",)), ("義務。", ("3 義務",))])]
    pieces = article_pieces(section)
    assert sorted(pieces.values()) == [[1, 2], [3]]  # text under no heading is no unit
    assert whole_article(section, [1, 2], best=2)[0].text == "定義の一。\n定義の二。"


def test_a_guideline_section_is_joined_with_the_examples_and_notes_under_it():
    """A guideline's numbered section (2-16　「本人の同意」) is the unit: its lists (①…) and examples
    (【…事例】) are headed under it but say nothing alone ("(1)～(7)　略")."""
    consent = ("2　定義", "2-16　「本人の同意」")
    section = [Passage(doc="g.html", seq=i, title="G", text=t, headings=h) for i, (t, h) in enumerate([
        ("「本人の同意」とは、本人の意思表示をいう。", consent),
        ("法第18条第2項", consent + ("①　利用目的に関するもの",)),
        ("事例1）口頭による意思表示", consent + ("【本人の同意を得ている事例】",)),
        ("「提供」とは、利用可能な状態に置くことをいう。", ("2　定義", "2-17　「提供」")),
        ("委託先の監督。", ("第４－２－⑴　委託の取扱い", "Ｂ　再委託の効果")),
        ("第２章の前文。", ("第２章　定義", "（１）用語"))])]
    pieces = article_pieces(section)
    assert sorted(pieces.values()) == [[0, 1, 2], [3], [4], [5]]
    assert pieces[("g.html", None, ("第４－２－⑴　委託の取扱い",), None)] == [4]
    # a chapter (第２章) is no numbered section: its passages stay under their own headings
    assert pieces[("g.html", None, ("第２章　定義", "（１）用語"), None)] == [5]
    assert whole_article(section, [0, 1, 2], best=2)[0].text.startswith("「本人の同意」とは")


def test_a_commentary_on_an_article_is_returned_with_it():
    """モデル就業規則 prints a 解説 after each article: the rule and its explanation answer together,
    and the result is the article even when the commentary matched (or comes first)."""
    article = Passage(doc="m.pdf", seq=0, title="M", text="（試用期間）\n第６条　試用期間は３か月とする。",
                      article="第６条", caption="試用期間", page=13, headings=("第２章",))
    commentary = Passage(doc="m.pdf", seq=1, title="M", text="試用期間中の解雇にも予告が要ります。", page=13,
                         headings=("第２章", "【第６条 試用期間】"))
    pieces = article_pieces([article, commentary])
    assert list(pieces.values()) == [[0, 1]]
    merged, focus = whole_article([article, commentary], [0, 1], best=1)
    assert merged.article == "第６条"
    assert merged.text == article.text + "\n【第６条 試用期間】\n" + commentary.text  # it keeps its heading
    assert focus is not None and merged.text[focus[0]:focus[1]] == commentary.text
    before, focus = whole_article([commentary, article], [0, 1], best=0)  # the 解説 printed first
    assert before.article == "第６条" and before.caption == "試用期間"
    assert before.text == article.text + "\n【第６条 試用期間】\n" + commentary.text  # the rule, then its 解説
    assert focus is not None and before.text[focus[0]:focus[1]] == commentary.text


def test_a_quote_from_the_commentary_is_cited_as_the_article_s_commentary_not_as_one_of_its_paragraphs():
    from retrieval.extractive import _paragraph_label, located_best_sentence

    text = "（試用期間）\n第６条　試用期間は３か月とする。\n２　延長することがある。\n【第６条 試用期間】\n２　解雇には予告が要ります。"
    passage = Passage(doc="m.pdf", seq=0, title="M", text=text, article="第６条", page=13)
    sentence, place = located_best_sentence(text, {"解雇", "予告"}, Analyzer())
    assert sentence == "解雇には予告が要ります。"
    assert _paragraph_label(passage, place) == "（解説）"  # not 第２項, which is the article's own
    sentence, place = located_best_sentence(text, {"延長"}, Analyzer())
    assert _paragraph_label(passage, place) == "第２項"


def test_pieces_on_different_pdf_pages_stay_apart():
    paged = [_piece(0, "（休暇）\n第三条　一項。", page=1), _piece(1, "（休暇）\n第三条　２　二項。", page=2)]
    assert list(article_pieces(paged).values()) == [[0], [1]]


LAW = ("休暇規程\n（年次休暇）\n第一条　職員の年次休暇は、一の年ごとに二十日とする。\n"
       "２　年次休暇は、一日を単位として使用する。ただし、特に必要があるときは半日を単位とすることができる。\n"
       "３　年次休暇の残りの日数は、二十日を限度として次の年に繰り越すことができる。\n"
       "（病気休暇）\n第二条　病気休暇の期間は、療養に必要な最小限度の期間とする。\n")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("law")
    (root / "corpus").mkdir()
    (root / "corpus" / "休暇規程.txt").write_text(LAW, encoding="utf-8")
    analyzer = Analyzer()
    index = LocalIndex(root / "index.sqlite")
    summary = Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), max_tokens=60, workers=1).run(root / "corpus")
    assert not summary.failed
    return LocalSearcher(index=index, analyzer=analyzer)


def test_an_article_cut_into_pieces_is_returned_once_and_whole(searcher):
    assert searcher.index.passage_count() >= 4  # 第一条 alone makes several pieces
    results = searcher.rank(Question(text="年次休暇の繰越しは何日まで？", language="ja"), 5)
    articles = [r.passage.article for r in results]
    assert articles.count("第一条") == 1
    first = next(r.passage for r in results if r.passage.article == "第一条")
    assert "二十日とする" in first.text and "次の年に繰り越す" in first.text
    assert first.text.count("第一条") == 1


def test_the_answer_quotes_the_piece_that_matched_before_the_rest_of_its_article():
    """Two items share as much of the question: the one in the piece that matched leads (the 授乳
    item must not answer a question about 夏季休暇 only because it comes first)."""
    from retrieval.extractive import located_best_sentence

    text = "（特別休暇）\n第五条　特別休暇は次のとおりとする。\n一　授乳のため　一日二回\n二　夏季の行事のため　三日"
    start = text.index("二　夏季")
    analyzer = Analyzer()
    terms = {"授乳", "夏季"}
    assert "三日" in located_best_sentence(text, terms, analyzer, focus=(start, len(text)))[0]
    assert "一日二回" in located_best_sentence(text, terms, analyzer)[0]  # without it, the first wins the tie
