"""Japanese term proximity: a question's compound nouns found compounded in an article.

The search test indexes a small law it writes itself into a real SQLite index."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.compound_proximity import passage_pairs, question_pairs
from retrieval.models import Passage
from tests.test_english_retrieval import index_corpus, ranked


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_compounds_are_runs_of_nouns_broken_by_anything_else(analyzer):
    assert analyzer.japanese_compounds("年次有給休暇の時間単位での付与") == [["年次", "有給", "休暇"], ["時間", "単位"]]
    # digits are read as the statutes' kanji numerals, so 1年未満 and 一年未満 are the same compound
    assert analyzer.japanese_compounds("1年未満の期間") == analyzer.japanese_compounds("一年未満の期間")
    assert analyzer.japanese_compounds("休暇を取る") == []  # one noun is no compound


def test_question_pairs_are_adjacent_parts_that_are_search_terms(analyzer):
    text = "年次有給休暇は1年未満の期間でも？"
    assert question_pairs(analyzer, text, ["年次", "有給", "休暇", "未満"]) == [("年次", "有給"), ("有給", "休暇")]
    assert question_pairs(analyzer, text, []) == []


def test_a_passage_pair_is_found_whatever_the_order_of_its_compounds(analyzer):
    passage = Passage(doc="a.txt", seq=0, title="A", text="期間を一年未満とする賃貸借", article="第一条")
    held = passage_pairs(analyzer, passage)
    assert set(question_pairs(analyzer, "1年未満の期間は有効？", ["1", "年", "未満", "期間"])) <= held


LAW = {"賃貸借法.txt": (
    "賃貸借法\n"
    "（みなし）\n"
    "第一条　期間を一年未満とする建物の賃貸借は、定めがないものとみなす。\n"
    "（更新）\n"
    "第二条　建物の賃貸借の期間の満了の一年前までに通知をしなかったときは、建物の賃貸借を更新したものとみなす。"
    "更新後の期間は、一年とする。ただし、残りの期間が三十日未満のときは、この限りでない。"
    "この期間の計算は一年ごとにする。建物の賃貸借の未満の端数の期間は、一年とする。\n")}


def test_the_article_that_keeps_the_question_compound_together_ranks_first(tmp_path, analyzer):
    index = index_corpus(tmp_path, LAW, analyzer)
    question = "1年未満の期間で建物の賃貸借をするとどうなる？"
    assert ranked(index, analyzer, question)[0].passage.article == "第一条"
    # The words one by one (第二条 repeats 期間, 一年 and 未満, apart) rank the other article first.
    assert ranked(index, analyzer, question, compound_proximity=0.0)[0].passage.article == "第二条"
