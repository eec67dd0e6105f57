"""A language model's statutory words for a question (retrieval.query_expansion): parsed strictly,
bounded in time, searched beside the asker's words. The model is the local HTTP FAKE of Azure OpenAI
(tests/fakes/azure_openai_fake.py: scripted replies, not a model) reached through the real openai SDK."""
import logging

import pytest

from retrieval.extractive import ExtractiveAnswerer
from retrieval.llm_answerer import build_llm_answerer
from retrieval.local_search import LocalSearcher
from retrieval.models import Question, Turn
from retrieval.pipeline import AnswerPipeline
from retrieval.query_expansion import MAX_TERMS, LLMQueryExpander, parse_terms
from services import build_services
from settings import load_settings
from tests.fakes.azure_openai_fake import Step
from tests.test_llm_answerer import azure_settings, user_prompt


def test_the_reply_is_read_as_japanese_words_only():
    assert parse_terms("パワーハラスメント、相談窓口、苦情相談") == ("パワーハラスメント", "相談窓口", "苦情相談")
    # numbering, bullets, quotes and other separators a model adds despite the prompt
    assert parse_terms("1. 「在宅勤務」\n2. テレワーク\n- 勤務場所・在宅勤務") == ("在宅勤務", "テレワーク", "勤務場所")
    # English, romaji, sentences and over-long phrases match nothing in a Japanese statute
    assert parse_terms("annual leave, 年次休暇, 年次休暇は二十日です。, " + "長" * 30) == ("年次休暇",)
    assert parse_terms("年休は何日もらえますか、年次休暇の日数はいくらか、年次休暇") == ("年次休暇",)  # sentences
    assert len(parse_terms("、".join(f"用語{chr(0x4e00 + i)}" for i in range(20)))) == MAX_TERMS
    assert parse_terms("") == ()


async def test_the_model_is_asked_for_statutory_words(fake, samples):
    answerer, _ = build_llm_answerer(azure_settings(fake.url), tokens=samples.tokens,
                                     fallback=ExtractiveAnswerer(analyzer=samples.analyzer))
    expander = LLMQueryExpander(chat=answerer.chat, timeout_seconds=5)
    fake.reply = "旅費、概算払"
    assert await expander.expand(Question(text="出張のお金、先にもらえる？", language="ja")) == ("旅費", "概算払")
    request = fake.chat_requests()[0]
    assert "出張のお金、先にもらえる？" in user_prompt(request) and "法令用語" in user_prompt(request)
    assert request["body"]["max_tokens"] <= 100 and request["body"]["stream"] is False
    await answerer.aclose()


async def test_a_repeated_question_costs_no_second_call_and_the_memory_is_bounded(fake, samples, monkeypatch):
    import retrieval.query_expansion as query_expansion

    monkeypatch.setattr(query_expansion, "CACHED_QUESTIONS", 2)
    answerer, _ = build_llm_answerer(azure_settings(fake.url), tokens=samples.tokens,
                                     fallback=ExtractiveAnswerer(analyzer=samples.analyzer))
    expander = LLMQueryExpander(chat=answerer.chat, timeout_seconds=5)
    fake.reply = "年次休暇"
    asked = [Question(text=t, language="ja") for t in ("年休は何日？", "育休は？", "出張は？")]
    assert await expander.expand(asked[0]) == ("年次休暇",)
    assert await expander.expand(asked[0]) == ("年次休暇",)
    assert len(fake.chat_requests()) == 1  # the repeat came from memory
    await expander.expand(asked[1])
    await expander.expand(asked[2])  # the oldest (年休) is forgotten: at most 2 are kept
    await expander.expand(asked[0])
    assert len(fake.chat_requests()) == 4
    await answerer.aclose()


async def test_a_failing_or_slow_model_costs_nothing_but_the_expansion(fake, samples, caplog):
    answerer, _ = build_llm_answerer(azure_settings(fake.url), tokens=samples.tokens,
                                     fallback=ExtractiveAnswerer(analyzer=samples.analyzer))
    expander = LLMQueryExpander(chat=answerer.chat, timeout_seconds=0.3)
    question = Question(text="家で仕事してもいい？", language="ja")
    fake.script = [Step(status=500), Step(reply="在宅勤務", delay_seconds=2.0)]
    with caplog.at_level(logging.WARNING, logger="retrieval.query_expansion"):
        assert await expander.expand(question) == ()
        assert await expander.expand(question) == ()  # a failure is not remembered: asked again
    assert "failed" in caplog.text and "timed out" in caplog.text
    assert len(fake.chat_requests()) == 2
    await answerer.aclose()


@pytest.mark.parametrize("question, words, doc, article", [
    # the asker's words name neither the rule nor its terms: without the model's words another
    # regulation leads (see the first assertion)
    ("上司に毎日怒鳴られてつらい。どこに言えばいい？", ("パワーハラスメント", "相談窓口", "苦情相談"), "harassment.md", "第九条"),
    ("出張のお金、先にもらえる？", ("旅費", "概算払"), "ryohi.md", "第十六条"),
])
def test_statutory_words_bring_the_answering_article_first(samples, question, words, doc, article):
    searcher = samples.pipeline.searcher
    assert isinstance(searcher, LocalSearcher)
    alone = searcher.rank(Question(text=question, language="ja"), 5)
    expanded = searcher.rank(Question(text=question, language="ja", search_terms=words), 5)
    assert (alone[0].passage.doc, alone[0].passage.article) != (doc, article)
    assert (expanded[0].passage.doc, expanded[0].passage.article) == (doc, article)
    # the confidence still measures what was asked: the model's words do not make an answer of it
    same = {(p.passage.doc, p.passage.article): p.confidence for p in alone}
    assert expanded[0].confidence == same.get((doc, article), expanded[0].confidence)


def test_words_the_index_lacks_change_nothing(samples):
    searcher = samples.pipeline.searcher
    question = "年休は何日もらえますか"
    alone = searcher.rank(Question(text=question, language="ja"), 5)
    noise = searcher.rank(Question(text=question, language="ja", search_terms=("量子暗号通信", "宇宙条約")), 5)
    assert [(p.passage.seq, p.score) for p in alone] == [(p.passage.seq, p.score) for p in noise]


async def test_the_pipeline_expands_the_rewritten_follow_up_and_answers_the_question_asked(fake, samples):
    answerer, rewriter = build_llm_answerer(azure_settings(fake.url), tokens=samples.tokens,
                                            fallback=ExtractiveAnswerer(analyzer=samples.analyzer))
    expander = LLMQueryExpander(chat=answerer.chat, timeout_seconds=5)
    searched = []

    class Recording:
        async def search(self, question, k):
            searched.append(question)
            return await samples.pipeline.searcher.search(question, k)

    pipeline = AnswerPipeline(searcher=Recording(), answerer=answerer, rewriter=rewriter, expander=expander)
    fake.script = [Step(reply="旅費の概算払は受けられますか"), Step(reply="旅費、概算払"),
                   Step(reply="旅行命令権者の承認を受けて概算払を受けられます[1]。")]
    question = Question(text="それ、先にもらえる？", language="ja",
                        history=(Turn("user", "出張の旅費について"), Turn("assistant", "旅費条例があります[1]。")))
    final = await pipeline.answer(question)
    await pipeline.aclose()
    rewrite, expansion, answer = fake.chat_requests()
    assert "旅費の概算払は受けられますか" in user_prompt(expansion)  # the self-contained query is expanded
    assert searched[0].text == "旅費の概算払は受けられますか" and searched[0].search_terms == ("旅費", "概算払")
    assert "それ、先にもらえる？" in user_prompt(answer)  # the model answers what the user asked
    assert final.citations and final.citations[0].passage.doc == "ryohi.md"


def test_services_expand_only_with_a_model_and_when_enabled(tmp_path):
    base = dict(_env_file=None, index_path=tmp_path / "index.sqlite", state_path=tmp_path / "state.sqlite")
    model = dict(answerer="llm", azure_openai_endpoint="http://127.0.0.1:9", azure_openai_chat_deployment="chat",
                 azure_openai_api_key="test-key")
    for options, expected in ((dict(), False), (model, True), (dict(model, query_expansion=False), False)):
        built = build_services(load_settings(**base, **options))
        try:
            assert (built.pipeline.expander is not None) is expected, options
        finally:
            built.close()
