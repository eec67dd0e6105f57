"""Clipped words read from the corpus (retrieval.clipped_words): 旅命 is searched as 旅行命令
because the corpus writes 旅行命令 often, not because anyone listed it."""
import asyncio

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.clipped_words import ClippedWords, clipping_candidates
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher, _clipped_words
from retrieval.models import Question
from retrieval.query import QueryPlanner, vocabulary_terms
from retrieval.tokens import TokenCounter

RUNS = [["育児", "休業"]] * 5 + [["介護", "休業"]] * 4 + [["介護", "休暇"]] * 3 + [["介護", "保険"]] * 20 \
    + [["年次", "休暇"]] * 9 + [["年間", "休日"]] * 1 + [["育児", "短", "時間", "勤務"]] * 3 + [["特定", "事業"]] * 2


@pytest.fixture(scope="module")
def clipped():
    return ClippedWords(RUNS)


def test_a_clipping_reads_as_the_compounds_whose_word_initials_spell_it(clipped):
    assert clipped.readings("育休") == (("育児", "休業"),)
    # both readings a clipping may have, most frequent first; 介護保険 has other initials
    assert clipped.readings("介休") == (("介護", "休業"), ("介護", "休暇"))


def test_a_rare_reading_is_a_coincidence_of_initials_not_a_meaning(clipped):
    assert clipped.readings("年休") == (("年次", "休暇"),)  # 年間休日 occurs once
    assert clipped.readings("特事") == ()  # 特定事業: twice, under MIN_COUNT


def test_two_frequent_words_that_meet_by_chance_are_no_reading():
    """当該 stands before hundreds of words: 当該番号 three times does not make 当番 (a duty rota)
    a clipping of it; 旅行命令, whose words mostly stand together, is one of 旅命."""
    runs = [["当該", "職員"]] * 300 + [["当該", "番号"]] * 3 + [["個人", "番号"]] * 200 + [["旅行", "命令"]] * 3
    clipped = ClippedWords(runs)
    assert clipped.readings("当番") == ()
    assert clipped.readings("旅命") == (("旅行", "命令"),)


def test_a_one_character_last_word_keeps_the_word_it_starts(clipped):
    assert clipped.readings("育短") == (("育児", "短", "時間"),)


def test_ordinary_words_and_non_kanji_have_no_reading(clipped):
    assert clipped.readings("食堂") == ()
    assert clipped.readings("いくら") == ()
    assert clipped.readings("育") == ()


def test_candidates_are_unknown_words_and_words_cut_into_characters():
    runs = [["旅", "命"], ["出張"], ["健診"]]
    found = clipping_candidates("旅命で出張、健診", runs, unknown=lambda w: w == "健診")
    assert found == ["旅命", "健診"]


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


def plan(analyzer, text, clipped, known=lambda w: True):
    return QueryPlanner(analyzer).plan(text, known_word=known, clipped=clipped.readings)


def test_a_name_is_not_clipped(analyzer):
    """日本中央競馬会 five times: 日中 (daytime) is not 日本中央, as 日本 is a proper noun."""
    runs = [run for _ in range(5) for run in analyzer.kanji_runs("日本中央競馬会の特別休暇")]
    assert ClippedWords(runs).readings("日中") == ()
    assert ClippedWords(runs).readings("特休") == (("特別", "休暇"),)


def test_the_planner_searches_the_reading_of_a_word_the_index_lacks(analyzer):
    corpus = ClippedWords([["旅行", "命令"]] * 5)
    vocabulary = {"旅行", "命令", "旅", "命", "出張"}

    def known(word):
        return all(t in vocabulary for t in vocabulary_terms(analyzer, word))

    result = plan(analyzer, "旅命なしで出張していい？", corpus, known)
    assert (("旅行", "命令"),) in result.concepts
    # Sudachi's single characters of the unknown word are not searched as the asker's words
    assert "旅" not in result.terms and "命" not in result.terms
    assert "出張" in result.terms


def test_a_word_the_corpus_has_no_compound_for_stays_unknown(analyzer):
    """食堂 in no passage: still an unknown noun, the sign that the rules are silent."""
    result = plan(analyzer, "食堂は何時から？", ClippedWords([["食料", "品目"]] * 5),
                  known=lambda w: w != "食堂")
    assert "食堂" in result.nouns
    assert "食堂" not in result.explained


def test_the_reviewed_synonyms_come_first(analyzer):
    """育休 is in synonyms.yaml: its reading from the corpus is not added again."""
    result = plan(analyzer, "育休は何日？", ClippedWords([["育児", "休養"]] * 5), known=lambda w: w != "育休")
    assert not any(("育児", "休養") in concept for concept in result.concepts)


def test_a_clipping_no_one_listed_finds_its_article(samples):
    """旅命 (旅行命令) is in no reviewed list; the sample rules write 旅行命令 forty times."""
    results = asyncio.run(samples.pipeline.searcher.search(Question("旅命はいつまでに出す？", "ja"), 5))
    assert ("ryohi.md", "第四条") in [(r.passage.doc, r.passage.article) for r in results[:3]]


def test_a_restricted_document_explains_a_clipping_only_to_those_who_may_read_it(tmp_path, analyzer):
    """The readings are counted over the asker's own view of the index: 人評 is a clipping of
    人事評価 only for the HR staff who can see the rule that writes it."""
    corpus = tmp_path / "corpus"
    (corpus / "public").mkdir(parents=True)
    (corpus / "hr").mkdir()
    (corpus / "public" / "fukumu.md").write_text(
        "# 服務規程\n\n第一条　職員は、職務に専念しなければならない。\n", encoding="utf-8")
    (corpus / "hr" / "_meta.yaml").write_text("allowed_groups: [hr-staff]\n", encoding="utf-8")
    (corpus / "hr" / "hyoka.md").write_text(
        "# 人事評価要綱\n\n" + "".join(f"第{n}条　人事評価の結果は、人事評価記録書に記録する。\n" for n in "一二三"),
        encoding="utf-8")
    index = LocalIndex(tmp_path / "index.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), workers=1).run(corpus)
    searcher = LocalSearcher(index=index, analyzer=analyzer)
    snapshot = searcher.snapshot()
    public, hr = snapshot.audience(()), snapshot.audience(("hr-staff",))
    assert _clipped_words(snapshot, public.matrix, analyzer).readings("人評") == ()
    assert _clipped_words(snapshot, hr.matrix, analyzer).readings("人評") == (("人事", "評価"),)
