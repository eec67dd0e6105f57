"""A small excerpt (a bundle of a few provisions, like lawqa-jp's files) is the unit that answers:
its passages lend each other context, as the sections of a handbook page do; a long document's
articles never do.

Each test indexes a corpus it writes itself into a real SQLite index."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.analysis import Analyzer
from retrieval.local_search import SMALL_DOCUMENT, LocalSearcher, RankWeights
from retrieval.models import Question
from tests.test_english_retrieval import index_corpus

# The question restates the condition of 第66条 and asks what 第66条の２ lists: the bundle holding
# both answers it; a file holding only 第66条の２ (and an item besides) scores higher on its own.
CONDITION = "### 第66条\n#### 第1項\n銀行以外の者は、内閣総理大臣の登録を受けて、金融商品仲介業を行うことができる。\n"
ITEMS = ("### 第66条の２\n#### 第1項\n前条の登録を受けようとする者は、商号、営業所の所在地その他の事項を"
         "記載した登録申請書を内閣総理大臣に提出しなければならない。\n")
ALONE = ITEMS + "##### 第3号\n金融商品仲介業を行う営業所の名称\n"
UNRELATED = [f"### 第{n}条\n#### 第1項\n報告書は、毎事業年度経過後{n}月以内に提出する。\n" for n in range(1, 6)]
QUESTION = "銀行以外の者が内閣総理大臣の登録を受けて金融商品仲介業を行う場合、登録申請書に記載する事項を教えてください。"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def articles(markdown: str) -> int:
    return sum(line.startswith("### ") for line in markdown.splitlines())


def first_doc(index, analyzer, **weights) -> str:
    searcher = LocalSearcher(index=index, analyzer=analyzer, weights=RankWeights(**weights))
    return searcher.rank(Question(QUESTION, "ja"), 5)[0].passage.doc


def test_a_small_document_answering_the_whole_question_leads(tmp_path: Path, analyzer):
    index = index_corpus(tmp_path, {"001_bundle.md": "## 仲介法\n" + CONDITION + ITEMS,
                                    "002_alone.md": "## 仲介法\n" + ALONE}, analyzer)
    assert first_doc(index, analyzer, small_document_context=0.0) == "002_alone.md"
    assert first_doc(index, analyzer) == "001_bundle.md"


def test_a_long_documents_articles_lend_no_context(tmp_path: Path, analyzer):
    # the same two articles inside a law of more than SMALL_DOCUMENT articles: no lift
    long_law = "## 仲介法\n" + "".join(UNRELATED) + CONDITION + ITEMS
    assert articles(long_law) > SMALL_DOCUMENT
    index = index_corpus(tmp_path, {"001_law.md": long_law, "002_alone.md": "## 仲介法\n" + ALONE}, analyzer)
    assert first_doc(index, analyzer) == first_doc(index, analyzer, small_document_context=0.0) == "002_alone.md"


def test_a_short_regulation_opening_at_its_first_article_lends_no_context(tmp_path: Path, analyzer):
    # three articles, 第1条 first: a 要綱 of its own, ranked by its articles alone, however short
    regulation = "## 仲介法\n" + UNRELATED[0] + CONDITION + ITEMS
    assert articles(regulation) <= SMALL_DOCUMENT
    index = index_corpus(tmp_path, {"001_law.md": regulation, "002_alone.md": "## 仲介法\n" + ALONE}, analyzer)
    assert first_doc(index, analyzer) == first_doc(index, analyzer, small_document_context=0.0) == "002_alone.md"
