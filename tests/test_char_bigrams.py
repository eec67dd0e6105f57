"""Character bigrams: recall for wordings the word analyser cuts differently, below the top results.

The search tests index a small law they write themselves into a real SQLite index."""
from __future__ import annotations

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.char_bigrams import BigramIndex, question_bigrams, text_bigrams
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage, in_answer_order
from tests.test_english_retrieval import index_corpus, ranked


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_bigrams_hold_a_kanji_or_katakana_and_never_span_punctuation():
    assert text_bigrams("健康診査。カード") == ["健康", "康診", "診査", "カー", "ード"]
    # hiragana pairs (する, って) are inflection, not topic; a pair with one kanji is kept
    assert text_bigrams("保存するって") == ["保存", "存す"]
    assert text_bigrams("ＡＢ、ｃｄ") == []  # full-width Latin is normalised, and carries no topic


def test_a_question_s_bigrams_are_distinct_in_order_of_first_use():
    assert question_bigrams("健康診断と健康診査") == ("健康", "康診", "診断", "断と", "と健", "診査")


def test_the_passage_sharing_the_rarer_bigrams_scores_higher():
    index = BigramIndex(["職員の健康診査を行う。", "職員の健康の保持。", "記録を保存する。"])
    scores = index.scores(question_bigrams("健康診断は？"))
    assert scores[0] > scores[1] > 0  # 康診 is only in the first; 健康 in both
    assert scores[2] == 0
    assert not index.scores(["無関"]).any()  # a bigram no passage has
    assert isinstance(scores, np.ndarray) and scores.shape == (3,)


LAW = {"職員健康法.txt": (
    "職員健康法\n"
    "（記録の保存）\n第一条　任命権者は、記録を作成し、五年間保存しなければならない。\n"
    "（保存の方法）\n第二条　記録の保存は、電磁的記録によることができる。\n"
    "（記録の閲覧）\n第三条　職員は、自己の記録の閲覧を求めることができる。\n"
    "（記録の廃棄）\n第八条　保存の期間が満了した記録は、廃棄する。\n"
    "（記録の訂正）\n第九条　記録に誤りがあるときは、職員はその訂正を求めることができる。\n"
    "（健康の保持）\n第四条　職員は、その健康の保持に努めなければならない。\n"
    "（健康教育）\n第五条　任命権者は、職員の健康の保持のため、健康教育を行うものとする。\n"
    "（健康診査）\n第六条　任命権者は、職員の健康診査を行わなければならない。\n"
    "（健康相談）\n第七条　任命権者は、職員の健康に関する相談に応じるものとする。\n")}


def test_below_the_head_the_article_sharing_the_question_s_characters_moves_up(tmp_path, analyzer):
    index = index_corpus(tmp_path, LAW, analyzer)
    question = "健康診断の記録は何年保存する？"
    words_only = ranked(index, analyzer, question, k=7, bigram_tail=0.0)
    with_bigrams = ranked(index, analyzer, question, k=7)
    articles = [r.passage.article for r in with_bigrams]
    # 健康診断 and 健康診査 share only the unit 健康 with every health article, but also the bigram 康診
    assert [r.passage.article for r in words_only].index("第六条") > 3
    assert articles.index("第六条") == 3
    # the word ranking's head is never re-ordered, and every result reports its word score, best first
    assert articles[:3] == [r.passage.article for r in words_only[:3]]
    scores = [r.score for r in with_bigrams]
    assert scores == sorted(scores, reverse=True)
    word_scores = {r.passage.article: r.score for r in words_only}
    assert all(r.score <= word_scores[r.passage.article] + 1e-6 for r in with_bigrams)


def test_every_result_carries_its_word_rank_and_a_recalled_one_none(tmp_path, analyzer):
    index = index_corpus(tmp_path, LAW, analyzer)
    question = "健康診断の記録は何年保存する？"
    words_only = ranked(index, analyzer, question, k=5, bigram_tail=0.0)
    with_bigrams = ranked(index, analyzer, question, k=5)
    word_rank = {r.passage.article: rank for rank, r in enumerate(words_only)}
    assert [r.answer_rank for r in with_bigrams] == [word_rank.get(r.passage.article) for r in with_bigrams]
    assert in_answer_order(with_bigrams)[:3] == with_bigrams[:3]
    # the word ranking's first five are what an answer is drawn from: recall never pushes them out
    # of the list, so in answer order the list starts with them, as the words ranked them
    assert {r.passage.article for r in with_bigrams} == {r.passage.article for r in words_only}
    assert [r.passage.article for r in in_answer_order(with_bigrams)] == [r.passage.article for r in words_only]
    longer = ranked(index, analyzer, question, k=7)
    assert [r.passage.article for r in in_answer_order(longer)][:5] == [r.passage.article for r in words_only]


def test_answer_order_is_the_word_rank_with_recalled_passages_last():
    def scored(name: str, rank: int | None) -> ScoredPassage:
        return ScoredPassage(Passage(doc="d.md", seq=0, title=name, text=name), 1.0, answer_rank=rank)

    listed = [scored("a", 0), scored("b", 1), scored("c", 2), scored("recalled", None), scored("e", 4),
              scored("d", 3)]
    assert [p.passage.title for p in in_answer_order(listed)] == ["a", "b", "c", "d", "e", "recalled"]
    plain = [scored("x", None), scored("y", None)]
    assert in_answer_order(plain) == plain  # no ranks: the list's own order


def test_the_extractive_answer_is_drawn_in_answer_order_and_lists_passages_as_given():
    """A value question is answered only if one of the top five passages states a value: a passage
    that bigrams recalled into the list does not count, the word ranking's fifth does."""
    def scored(text: str, article: str, rank: int | None) -> ScoredPassage:
        return ScoredPassage(Passage(doc="d.md", seq=0, title="旅費条例", text=text, article=article), 1.0,
                             confidence=0.9, answer_rank=rank)

    answerer = ExtractiveAnswerer(analyzer=Analyzer())
    question = Question("車賃は1キロいくら？", "ja")
    silent = [scored("第九条　車賃は、旅行の実費により支給する。", f"第{n}条", n) for n in range(4)]
    stating = "第十条　車賃の額は、一キロメートルにつき三十七円とする。"
    recalled = scored(stating, "第十条", None)
    listed = silent[:3] + [recalled, silent[3]] + [scored("第九条　車賃は、実費による。", "第五条", 5)]
    answer = answerer.compose(question, listed)
    assert answer.abstained and answer.passages == tuple(listed)
    ranked_fifth = scored(stating, "第十条", 4)
    listed = silent[:3] + [ranked_fifth, silent[3]]
    answer = answerer.compose(question, listed)
    assert not answer.abstained and answer.passages == tuple(listed)
