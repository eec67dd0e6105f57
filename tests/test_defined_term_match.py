"""A definition question finds the 定義 item of the term it names even when the tokenizer splits the
term one way in the question and another in the item (Sudachi: 近接地とは？ is 近|接地, while
「七　近接地　在勤庁から…」 is 近接|地), so no word of the question is in the item. The index is a real
SQLite index of a small rule written for this test."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.models import Question
from tests.support import local_searcher

RULE = """旅費条例

（定義）
第二条　この条例において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。
一　在勤庁　職員が常時勤務する区の機関をいう。
二　近接地　在勤庁から片道の路程が二十五キロメートル未満の地域をいう。

（旅費の支給）
第三条　職員が出張した場合には、旅費を支給する。
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return local_searcher(tmp_path_factory.mktemp("defined"), {"旅費条例.txt": RULE})


def test_the_question_and_the_item_share_no_word():
    analyzer = Analyzer()
    assert not set(analyzer.terms("近接地とは？")) & set(analyzer.terms("二　近接地　在勤庁から片道の路程"))


def test_the_defining_article_is_found_though_no_word_matches(searcher):
    results = searcher.rank(Question(text="近接地とは？", language="ja"), 3)
    assert [r.passage.article for r in results][:1] == ["第二条"]


def test_a_term_no_passage_defines_still_finds_nothing(searcher):
    assert searcher.rank(Question(text="退職手当とは？", language="ja"), 3) == []
