"""English questions about Japanese regulations, end to end over a real SQLite index: the glossary
and the installed JMdict (`jamdict-data`) give Japanese search words, a word's alternative
translations count as one concept, and Japanese questions are planned as before."""
from __future__ import annotations

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.english_dictionary import cache_path, jmdict_path
from retrieval.extractive import ExtractiveAnswerer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher
from retrieval.models import Question
from retrieval.query import content_terms, load_mapping, load_word_list
from retrieval.tokens import TokenCounter

DOCUMENTS = {
    "tesuryo.md": """# テスト町手数料条例

（手数料）
第一条　開示の請求をする者は、手数料を納めなければならない。

（使用料の免除）
第二条　町長は、特別の理由があると認めるときは、使用料を免除することができる。

（料金等の額）
第三条　手数料、使用料及び料金の額は、別表のとおりとする。
""",
    "fukumu.md": """# テスト町職員服務規程

（争議行為の禁止）
第一条　職員は、同盟罷業その他の争議行為をしてはならない。

（妊娠中の職員の健康診査）
第二条　任命権者は、妊娠中の職員が健康診査を受けるために必要な時間を与えなければならない。
""",
    "bunsho.md": """# テスト町文書管理規程

（保存期間）
第一条　文書の保存期間は、五年とする。

（文書の廃棄）
第二条　保存期間が満了した文書は、廃棄する。

（電子文書）
第三条　文書は、PDFの形式で保存することができる。
""",
}

pytestmark = pytest.mark.skipif(jmdict_path() is None, reason="jamdict-data (requirements.txt) is not installed")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def index(tmp_path_factory, analyzer) -> LocalIndex:
    work = tmp_path_factory.mktemp("english")
    corpus = work / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = LocalIndex(work / "data" / "index.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter()).run(corpus)
    return index


@pytest.fixture(scope="module")
def searcher(index, analyzer) -> LocalSearcher:
    return LocalSearcher(index=index, analyzer=analyzer)


def ask(searcher: LocalSearcher, analyzer: Analyzer, text: str, language: str = "en"):
    question = Question(text, language)
    passages = searcher.rank(question, 5)
    return passages, ExtractiveAnswerer(analyzer=analyzer).compose(question, passages)


def test_the_table_is_built_on_the_first_english_question_only(searcher, index, analyzer):
    ask(searcher, analyzer, "使用料の免除はできますか", language="ja")
    assert not cache_path(index.path).exists()  # Japanese questions never need it
    ask(searcher, analyzer, "Can the rent be waived?")
    assert cache_path(index.path).exists()


def test_an_english_question_the_glossary_cannot_translate_is_found_and_answered(searcher, analyzer):
    glossary = load_mapping("glossary_en.yaml")
    assert "exemption" not in glossary and "rent" not in glossary  # only JMdict knows these words
    text = "Can the rent be waived as an exemption for special reasons?"
    plan = searcher.planner.plan(text, dictionary=searcher.english_dictionary())
    assert {"免除", "特別"} <= set(plan.expansions)
    passages, answer = ask(searcher, analyzer, text)
    assert (passages[0].passage.doc, passages[0].passage.article) == ("tesuryo.md", "第二条")
    assert not answer.abstained and "使用料を免除" in answer.text


def test_a_words_alternative_translations_count_as_one_concept(searcher, analyzer):
    text = "Is a fee required for a disclosure request?"
    plan = searcher.planner.plan(text, dictionary=searcher.english_dictionary())
    fee = [concept for concept in plan.concepts if ("手数", "料") in concept]
    assert len(fee) == 1 and len(fee[0]) >= 2  # 手数料, 使用料, 料金: one concept, several wordings
    passages, answer = ask(searcher, analyzer, text)
    top = passages[0]
    assert (top.passage.doc, top.passage.article) == ("tesuryo.md", "第一条")
    # The article says 手数料 and 開示の請求: every concept of the question is covered, though it
    # uses one of the fee's wordings only. Counted as separate terms, the others would dilute it.
    assert top.confidence == pytest.approx(1.0)
    assert not answer.abstained


def test_a_passage_with_every_wording_of_one_concept_does_not_outrank_one_covering_all(searcher, analyzer):
    passages, _ = ask(searcher, analyzer, "Is a fee required for a disclosure request?")
    ranked = [(p.passage.doc, p.passage.article) for p in passages]
    # 第三条 names 手数料, 使用料 and 料金 — three wordings of the fee — but not the disclosure request
    assert ranked.index(("tesuryo.md", "第一条")) < ranked.index(("tesuryo.md", "第三条"))
    by_article = {(p.passage.doc, p.passage.article): p.confidence for p in passages}
    assert by_article[("tesuryo.md", "第三条")] < 0.6


def test_an_english_word_the_corpus_uses_is_one_concept_not_the_whole_question(searcher, analyzer):
    # "PDF" is indexed (bunsho 第三条); fee and disclosure are indexed only in Japanese.
    passages, answer = ask(searcher, analyzer, "Is a fee required for a disclosure request in PDF?")
    assert (passages[0].passage.doc, passages[0].passage.article) == ("tesuryo.md", "第一条")
    by_article = {(p.passage.doc, p.passage.article): p.confidence for p in passages}
    assert by_article.get(("bunsho.md", "第三条"), 0.0) < 0.5
    assert not answer.abstained


def test_a_passage_missing_a_concept_is_less_confident(searcher, analyzer):
    passages, _ = ask(searcher, analyzer, "Is a fee required for a disclosure request?")
    by_article = {(p.passage.doc, p.passage.article): p.confidence for p in passages}
    # 第二条 has a wording of the fee (使用料) but nothing of the disclosure request
    assert 0 < by_article[("tesuryo.md", "第二条")] < 0.6


@pytest.mark.parametrize("text", ["使用料の免除はできますか", "職員はストライキをしてもいいですか",
                                  "文書の保存期間は何年？", "USBメモリで文書を持ち出してよいですか"])
def test_japanese_questions_are_planned_as_before(searcher, analyzer, text):
    titles = searcher.snapshot().audience(()).titles
    dictionary = searcher.english_dictionary()
    with_dictionary = searcher.planner.plan(text, titles, dictionary=dictionary,
                                            known_word=lambda word: bool(content_terms(analyzer, word)))
    assert with_dictionary == searcher.planner.plan(text, titles)
    assert with_dictionary.language == "ja"


def test_words_of_how_a_question_is_put_are_not_translated(searcher):
    untranslated = load_word_list("english_untranslated.txt")
    assert untranslated and all(word == word.lower() and word.isascii() for word in untranslated)
    dictionary = searcher.english_dictionary()
    plan = searcher.planner.plan("Can someone please explain whether I need an exemption?", dictionary=dictionary)
    assert plan.concepts == ((("免除",),),)  # someone, please, explain, need (必要): no search words


def test_only_jmdict_translations_are_loose_concepts(searcher):
    plan = searcher.planner.plan("Can the rent be waived as an exemption for special reasons?",
                                 dictionary=searcher.english_dictionary())
    assert (("免除",),) in plan.loose_concepts  # JMdict's
    assert (("理由",),) in plan.concepts and (("理由",),) not in plan.loose_concepts  # the glossary's "reason"


def test_a_question_about_a_topic_the_corpus_has_no_word_for_abstains(searcher, analyzer):
    # "time" (時間) is in the corpus; "canteen" (食堂, a common word) is not: no rule covers it
    plan = searcher.planner.plan("What time does the canteen open?", dictionary=searcher.english_dictionary())
    assert plan.untranslatable == ("canteen",)
    _, answer = ask(searcher, analyzer, "What time does the canteen open?")
    assert answer.abstained
