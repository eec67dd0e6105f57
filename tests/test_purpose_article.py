"""A law's 目的 article names all its topics; it should not lead a question it does not answer."""
import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher, RankWeights
from retrieval.models import Question
from retrieval.tokens import TokenCounter

LAW = """# 町公益通報条例
（目的）
第一条　この条例は、職員からの公益通報の処理及び公益通報者の保護に関し必要な事項を定め、公益通報をした職員の保護を図ることを目的とする。
（通報の窓口）
第二条　公益通報の窓口は、総務課に置く。
（不利益な取扱いの禁止）
第三条　任命権者は、公益通報をした職員の保護のため、当該職員に対し、不利益な取扱いをしてはならない。
"""
OTHER = """# 町文書管理規程
（文書の保存）
第一条　文書は、保存期間の満了する日まで保存する。
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("purpose")
    (root / "c").mkdir()
    (root / "c" / "tsuho.md").write_text(LAW, encoding="utf-8")
    (root / "c" / "bunsho.md").write_text(OTHER, encoding="utf-8")
    analyzer = Analyzer()
    index = LocalIndex(root / "i.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter()).run(root / "c")
    return index, analyzer


def first(index, question, weights=None):
    idx, analyzer = index
    weights = weights or RankWeights()
    return LocalSearcher(index=idx, analyzer=analyzer, weights=weights).rank(Question(question, "ja"), 3)[0].passage.article


def test_the_purpose_article_gives_way_to_the_rule(index):
    question = "公益通報をした職員の保護はどうなってる？"
    assert first(index, question, RankWeights(purpose_article=0.0)) == "第一条"  # without the feature
    assert first(index, question) == "第三条"


def test_a_question_about_the_purpose_still_gets_it(index):
    assert first(index, "公益通報の条例の目的は？") == "第一条"
