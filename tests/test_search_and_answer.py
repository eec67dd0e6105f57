"""The embedded pipeline over the fixture corpus: real Sudachi, real SQLite FTS5."""
import asyncio

import pytest

from retrieval.models import Question


def ask(services, text, language="ja"):
    return asyncio.run(services.pipeline.answer(Question(text=text, language=language)))


@pytest.mark.parametrize("term, article", [("休暇", "第二条"), ("育休", "第三条")])
def test_two_character_terms_are_found(services, term, article):
    passages = services.pipeline.searcher.rank(Question(text=term, language="ja"), 5)
    assert passages, f"nothing found for {term}"
    assert any(p.passage.article == article for p in passages[:3])


def test_answer_quotes_the_article_and_cites_it(services):
    answer = ask(services, "年次休暇は何日ですか")
    assert not answer.abstained
    first = answer.citations[0]
    assert first.position == 1 and "[1]" in answer.text
    assert first.passage.article == "第二条"
    assert "二十日" in first.quote
    assert first.passage.title == "テスト町職員の休暇に関する規程"
    assert first.passage.url == "https://reiki.example.test/kyuka"


def test_off_topic_question_abstains(services):
    answer = ask(services, "社員食堂のカレーの値段はいくらですか")
    assert answer.abstained
    assert answer.citations == ()
    assert "見つかりませんでした" in answer.text


def test_english_abstention_is_in_english(services):
    answer = ask(services, "What is the price of curry in the canteen?", language="en")
    assert answer.abstained and "could not find" in answer.text


@pytest.mark.parametrize("confidence, named", [(0.25, True), (0.05, False)])
def test_abstention_names_near_misses_as_leads(services, confidence, named):
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.models import Passage, ScoredPassage

    near = ScoredPassage(Passage(doc="a.md", seq=0, title="テスト規程", text="本文。", article="第九条"),
                         1.0, confidence=confidence)
    answer = ExtractiveAnswerer(analyzer=services.analyzer).compose(Question("何か", "ja"), [near])
    assert answer.abstained and answer.citations == ()
    assert ("近いと思われる規定：テスト規程 第九条" in answer.text) is named
    assert "[1]" not in answer.text


def test_a_translated_colloquialism_must_be_covered_to_be_confident(tmp_path):
    from indexer.build import Indexer
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.tokens import TokenCounter

    corpus = tmp_path / "c"
    corpus.mkdir()
    for n in range(4):  # 定義 is common in regulations; パワー・ハラスメント is not
        (corpus / f"teigi{n}.md").write_text(f"# 用語規程{n}\n（定義）\n第一条　この規程で使う用語の定義は、次のとおりとする。\n",
                                             encoding="utf-8")
    (corpus / "harassment.md").write_text(
        "# ハラスメント防止要綱\n（パワー・ハラスメント）\n第一条　パワー・ハラスメントとは、職務上の優越的な関係を"
        "背景とした言動をいう。\n", encoding="utf-8")
    from retrieval.analysis import Analyzer

    analyzer = Analyzer()
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter()).run(corpus)
    results = LocalSearcher(index=index, analyzer=analyzer).rank(Question("パワハラの定義は？", "ja"), 5)
    confidence = {r.passage.doc: r.confidence for r in results}
    # 定義 alone is only part of the question: パワハラ (= パワー・ハラスメント) is the rest
    assert confidence["harassment.md"] > confidence["teigi0.md"]
    assert confidence["teigi0.md"] < 0.5


def test_quote_prefers_the_rule_over_its_exception_unless_the_exception_is_asked_about():
    from retrieval.analysis import Analyzer
    from retrieval.answer_types import analyse
    from retrieval.extractive import best_sentence

    text = ("第四条　職員は、当該子が三歳に達する日まで、育児休業をすることができる。\n"
            "２　前項の規定にかかわらず、会計年度任用職員の育児休業の期間は、当該子が一歳に達する日までとする。")
    analyzer = Analyzer()

    def quote(question: str) -> str:
        from retrieval.query import content_terms
        return best_sentence(text, set(content_terms(analyzer, question)), analyzer, intent=analyse(question))

    assert "三歳" in quote("育児休業の期間は？")
    assert "一歳" in quote("会計年度任用職員の育児休業の期間は？")


def test_own_section_question_abstains_unless_a_document_of_that_section_is_retrieved():
    from retrieval.analysis import Analyzer
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.models import Passage, Question, ScoredPassage

    def scored(title: str, text: str) -> ScoredPassage:
        return ScoredPassage(Passage(doc="d.md", seq=0, title=title, text=text, article="第二条"), 1.0,
                             confidence=0.9)

    answerer = ExtractiveAnswerer(analyzer=Analyzer())
    national = scored("職員の勤務時間に関する条例", "第二条　職員の勤務時間は、午前八時三十分から午後五時十五分までとする。")
    answer = answerer.compose(Question("うちの課の勤務時間は何時から？", "ja"), [national])
    assert answer.abstained and "職員の勤務時間に関する条例" in answer.text and not answer.citations
    own = scored("人事課事務取扱要領", "第二条　人事課の勤務時間は、午前八時三十分から午後五時十五分までとする。")
    assert not answerer.compose(Question("うちの課の勤務時間は何時から？", "ja"), [own]).abstained


def test_value_question_abstains_when_no_top_passage_states_a_value_and_leads_with_it_otherwise():
    from retrieval.analysis import Analyzer
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.models import Passage, Question, ScoredPassage

    def scored(text: str, article: str) -> ScoredPassage:
        return ScoredPassage(Passage(doc="d.md", seq=0, title="旅費条例", text=text, article=article), 1.0,
                             confidence=0.9)

    answerer = ExtractiveAnswerer(analyzer=Analyzer())
    silent = scored("第九条　車賃は、旅行の実費により支給する。", "第九条")
    answer = answerer.compose(Question("車賃は1キロいくら？", "ja"), [silent])
    assert answer.abstained and "金額" in answer.text
    stating = scored("第十条　車賃の額は、一キロメートルにつき三十七円とする。", "第十条")
    answer = answerer.compose(Question("車賃は1キロいくら？", "ja"), [silent, stating])
    assert not answer.abstained
    assert answer.citations[0].passage.article == "第十条"  # the article stating the value leads
    assert "**三十七円**" in answer.text and "**" not in answer.citations[0].quote
    english = answerer.compose(Question("How much is the mileage allowance per km?", "en"), [stating])
    assert "37 yen per km" in english.text or "37 yen" in english.text
    # the value may be stated as far down as the fifth passage, the last the answer list shows
    answer = answerer.compose(Question("車賃は1キロいくら？", "ja"), [silent] * 4 + [stating])
    assert not answer.abstained and answer.citations[0].passage.article == "第十条"
    assert answerer.compose(Question("車賃は1キロいくら？", "ja"), [silent] * 5 + [stating]).abstained


def test_version_penalty_is_computed_once_per_matrix(services):
    # The per-row "other version" array is memoised on the matrix under its own key (it used to be
    # stored under the last passage's (date, doc) and rebuilt on every search).
    searcher = services.pipeline.searcher
    question = Question("年次休暇は何日ですか", "ja")
    searcher.rank(question, 5)
    matrix = searcher.snapshot().audience(()).matrix
    memo = matrix.derived[("other_version", False)]
    searcher.rank(question, 5)
    assert matrix.derived[("other_version", False)] is memo
    assert all(isinstance(key, str) or key[0] == "other_version" for key in matrix.derived)


def test_a_value_the_story_mentions_is_not_a_value_the_question_asks_for():
    from retrieval.analysis import Analyzer
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.models import Passage, Question, ScoredPassage

    rule = ScoredPassage(Passage(doc="d.md", seq=0, title="地方自治法", article="第二百三十一条の三",
                                 text="第二百三十一条の三　使用料を納付しない者があるときは、普通地方公共団体の長は、"
                                      "督促しなければならない。"), 1.0, confidence=0.9)
    answerer = ExtractiveAnswerer(analyzer=Analyzer())
    # 期限 is in the story; the question asks whether to send a reminder: no value need be stated
    told = "公民館の使用料を期限までに払っていない団体があります。督促は必ずしなければならないものでしょうか。"
    assert not answerer.compose(Question(told, "ja"), [rule]).abstained
    # asked outright, a deadline must be stated, and this rule states none
    assert answerer.compose(Question("使用料の督促の期限はいつまで？", "ja"), [rule]).abstained
    # the story's いつ and 今年度 make no dated-occasion question of a question about the penalty
    penal = ScoredPassage(Passage(doc="d.md", seq=0, title="労働安全衛生法", article="第百二十条",
                                  text="第百二十条　次の各号のいずれかに該当する者は、五十万円以下の罰金に処する。"),
                          1.0, confidence=0.9)
    story = "今年度の健康診断がいつだったか忘れて、受けそびれてしまいました。受けなかった場合、罰則はありますか。"
    answer = answerer.compose(Question(story, "ja"), [penal])
    assert not answer.abstained and "**五十万円以下の罰金**" in answer.text

