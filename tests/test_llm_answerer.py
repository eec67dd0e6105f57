"""The LLM answerer through the real openai SDK against a local HTTP FAKE of Azure OpenAI
(tests/fakes/azure_openai_fake.py: scripted replies, not a model)."""
import json
import time

import pytest

from retrieval.extractive import ExtractiveAnswerer
from retrieval.llm_answerer import build_llm_answerer, parse_reply, visible_draft
from retrieval.local_search import LocalSearcher
from retrieval.models import Answer, AnswerDraft, Passage, Question, ScoredPassage, Turn
from retrieval.pipeline import AnswerPipeline
from retrieval.source_packing import pack_sources
from settings import load_settings
from tests.fakes.azure_openai_fake import (FakeOpenAI, Step, content_filter_error, context_length_error,
                                           rate_limit_error, serving_in_thread)
from tests.test_cli import run

RULES = "テスト町職員の休暇に関する規程"
ANNUAL = Passage(doc="kyuka.md", seq=2, title=RULES, article="第二条", caption="年次休暇", text=(
    "第二条　年次休暇は、一の年ごとにおける休暇とし、その日数は、一の年において二十日とする。\n"
    "２　前項の年次休暇のうち、その年に使用しなかった日数は、二十日を限度として翌年に繰り越すことができる。"))
CHILDCARE = Passage(doc="kyuka.md", seq=3, title=RULES, article="第三条", caption="育休の取扱い", text=(
    "第三条　職員は、子を養育するため、当該子が三歳に達する日まで育休をすることができる。\n"
    "２　育休をしようとする職員は、その開始の日の一月前までに、様式第一号により任命権者に請求しなければならない。"))
SICK = Passage(doc="kyuka.md", seq=4, title=RULES, article="第四条", caption="病気休暇", text=(
    "第四条　病気休暇の期間は、療養のため勤務しないことがやむを得ないと認められる必要最小限度の期間とする。"))
PASSAGES = [ScoredPassage(ANNUAL, 12.0, confidence=0.9), ScoredPassage(CHILDCARE, 8.0, confidence=0.5),
            ScoredPassage(SICK, 5.0, confidence=0.4)]
QUESTION = Question(text="年休は何日もらえますか", language="ja")

GOOD_REPLY = ("年次休暇は一の年において二十日です[1]。使わなかった日数は二十日を限度に翌年へ繰り越せます[1][7]。"
              "育休とは別の制度です[2]。\n<<FOLLOW_UPS>>\n1. 繰り越した年休はいつまで使えますか？\n"
              "- 時間単位で取れますか？[1]\n・育休は何歳まで取れますか？\n4. 四つ目は捨てられますか？")


def azure_settings(url, **overrides):
    values = dict(azure_openai_endpoint=url, azure_openai_chat_deployment="chat-dep",
                  azure_openai_api_key="test-key", llm_timeout_seconds=5)
    return load_settings(**{**values, **overrides})


async def answer_events(settings, services, passages=PASSAGES, question=QUESTION, **answerer_options):
    answerer, _ = build_llm_answerer(settings, tokens=services.tokens,
                                     fallback=ExtractiveAnswerer(analyzer=services.analyzer))
    for name, value in answerer_options.items():
        setattr(answerer, name, value)
    try:
        return [event async for event in answerer.stream(question, passages)]
    finally:
        await answerer.aclose()


def user_prompt(request) -> str:
    return request["body"]["messages"][-1]["content"]


async def test_streams_drafts_then_an_answer_with_renumbered_citations(fake, services):
    fake.reply = ("育休は子が三歳に達する日まで取れます[2]。年休は一の年において二十日です[1, 7]。\n"
                  "<<FOLLOW_UPS>>\n1. 繰り越した年休はいつまで使えますか？\n- 時間単位で取れますか？[1]\n"
                  "・育休の請求はいつまでですか？\n4. 四つ目は捨てられます")
    fake.chunk_delay_seconds = 0.01  # as a model writes: chunks that arrive together make one draft
    events = await answer_events(azure_settings(fake.url), services)
    *drafts, final = events
    assert len(drafts) >= 3 and all(isinstance(d, AnswerDraft) for d in drafts)
    assert isinstance(final, Answer) and not final.abstained and final.notice is None
    # source 2 is cited first, so it becomes [1]; [7] points nowhere and is gone
    assert final.text == "育休は子が三歳に達する日まで取れます[1]。年休は一の年において二十日です[2]。"
    assert [(c.position, c.passage.article) for c in final.citations] == [(1, "第三条"), (2, "第二条")]
    assert final.citations[0].quote.startswith("職員は、子を養育するため、当該子が三歳に達する日まで")
    assert final.citations[1].quote.startswith("年次休暇は、一の年ごとにおける休暇とし")
    assert final.follow_ups == ("繰り越した年休はいつまで使えますか？", "時間単位で取れますか？", "育休の請求はいつまでですか？")
    assert final.passages == tuple(PASSAGES) and final.language == "ja"
    # drafts grow, never show the trailer, a half-written marker or the original numbering
    texts = [d.text for d in drafts]
    assert texts[-1] == final.text
    assert all("<" not in t and "[7" not in t and not t.startswith("育休は子が三歳に達する日まで取れます[2]") for t in texts)
    assert all(not t.endswith("[") for t in texts)
    assert all(a != b for a, b in zip(texts, texts[1:]))
    # what the model was sent: the rules, numbered sources with article names, the settings' budget
    [request] = fake.chat_requests()
    assert request["path"] == "/openai/deployments/chat-dep/chat/completions"
    assert request["api-key"] == "test-key" and request["body"]["stream"] is True
    assert request["body"]["max_tokens"] == 800
    system, user = request["body"]["messages"][0], request["body"]["messages"][-1]
    assert system["role"] == "system" and "[1]" in system["content"] and "<<FOLLOW_UPS>>" in system["content"]
    assert f"[1] {RULES} 第二条（年次休暇）" in user["content"] and f"[3] {RULES} 第四条（病気休暇）" in user["content"]
    assert "年休は何日もらえますか" in user["content"] and "Japanese" in user["content"]


async def test_marker_pointing_past_the_sources_is_dropped(fake, services):
    fake.reply = "年休は二十日です[7]。繰り越しもできます[1]。"
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.text == "年休は二十日です。繰り越しもできます[1]。"
    assert [c.passage.article for c in final.citations] == ["第二条"] and final.notice is None


async def test_answer_without_a_valid_citation_is_replaced_by_quotes(fake, services):
    fake.reply = "年休は二十日です[7]。"
    *_, final = await answer_events(azure_settings(fake.url), services)
    quoted = ExtractiveAnswerer(analyzer=services.analyzer).compose(QUESTION, PASSAGES)
    assert final.notice == "no_valid_citation" and not final.abstained
    assert final.text.startswith("AIの回答に根拠となる条文を確認できなかったため")
    assert final.text.endswith(quoted.text) and final.citations == quoted.citations


async def test_model_saying_the_rules_are_silent_is_an_abstention(fake, services):
    fake.reply = "<<NOT_COVERED>>\n規程には在宅勤務手当についての定めはありません。担当課にお問い合わせください。"
    *drafts, final = await answer_events(azure_settings(fake.url), services)
    assert final.abstained and final.citations == () and final.notice is None
    assert final.text == "規程には在宅勤務手当についての定めはありません。担当課にお問い合わせください。"
    assert all("<" not in d.text for d in drafts)


async def test_no_model_call_when_no_passage_reaches_the_bar(fake, services):
    weak = [ScoredPassage(SICK, 1.0, confidence=0.05)]
    question = Question(text="駐車場の月極料金はいくらですか", language="ja")
    events = await answer_events(azure_settings(fake.url), services, passages=weak, question=question)
    assert events == [ExtractiveAnswerer(analyzer=services.analyzer).compose(question, weak)]
    assert events[0].abstained and fake.requests == []


async def test_429_with_a_short_retry_after_is_retried_once(fake, services):
    fake.script = [Step(status=429, error_body=rate_limit_error(1), headers={"retry-after-ms": "200"}),
                   Step(reply="年休は二十日です[1]。")]
    started = time.monotonic()
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.text == "年休は二十日です[1]。" and final.notice is None
    assert len(fake.chat_requests()) == 2 and time.monotonic() - started >= 0.2


async def test_429_asking_for_a_long_wait_gives_up_politely(fake, services):
    fake.script = [Step(status=429, error_body=rate_limit_error(30), headers={"retry-after": "30"})]
    started = time.monotonic()
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.notice == "model_busy" and final.citations and not final.abstained
    assert final.text.startswith("ただいまAIによる回答が混み合っているため")
    assert len(fake.chat_requests()) == 1 and time.monotonic() - started < 5


async def test_429_twice_gives_up_after_one_retry(fake, services):
    busy = Step(status=429, error_body=rate_limit_error(1), headers={"retry-after-ms": "100"})
    fake.script = [busy, busy, Step(reply="年休は二十日です[1]。")]
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.notice == "model_busy" and len(fake.chat_requests()) == 2


async def test_a_model_that_does_not_answer_in_time_becomes_a_notice(fake, services):
    fake.script = [Step(delay_seconds=2.0)]
    *_, final = await answer_events(azure_settings(fake.url, llm_timeout_seconds=0.3), services)
    assert final.notice == "model_timeout" and final.citations


async def test_a_stream_that_stalls_becomes_a_notice(fake, services):
    fake.reply = "年休は二十日です[1]。" * 3
    fake.chunk_delay_seconds = 1.0  # longer than the read timeout between chunks
    *drafts, final = await answer_events(azure_settings(fake.url, llm_timeout_seconds=0.3), services)
    assert final.notice == "model_timeout" and final.citations


async def test_a_stream_that_outlasts_the_answer_deadline_becomes_a_notice(fake, services):
    fake.reply = "年休は二十日です[1]。" * 20
    fake.chunk_delay_seconds = 0.05
    events = await answer_events(azure_settings(fake.url), services, deadline_seconds=0.3)
    *drafts, final = events
    assert drafts and final.notice == "model_timeout"
    assert final.text.startswith("AIによる回答の作成に時間がかかっているため")


@pytest.mark.parametrize("step", [
    Step(status=400, error_body=content_filter_error()),  # the prompt was refused
    Step(reply="途中まで書いた回答", finish_reason="content_filter"),  # the answer was cut while streaming
], ids=["prompt", "completion"])
async def test_content_filter_becomes_a_notice(fake, services, step):
    fake.script = [step]
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.notice == "content_filter" and final.citations
    assert final.text.startswith("このご質問にはAIによる回答を作成できないため")


async def test_context_length_error_is_retried_once_with_fewer_sources(fake, services):
    fake.script = [Step(status=400, error_body=context_length_error()), Step(reply="年休は二十日です[1]。")]
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.notice is None and final.citations[0].passage == ANNUAL
    first, second = fake.chat_requests()
    assert "[3] " in user_prompt(first) and "[3] " not in user_prompt(second)


async def test_context_length_error_twice_falls_back(fake, services):
    fake.script = [Step(status=400, error_body=context_length_error())] * 2
    *_, final = await answer_events(azure_settings(fake.url), services)
    assert final.notice == "model_error" and len(fake.chat_requests()) == 2


async def test_unreachable_model_falls_back(services):
    settings = azure_settings("http://127.0.0.1:9")  # discard port: nothing listens
    *_, final = await answer_events(settings, services)
    assert final.notice == "model_error" and final.citations


async def test_english_question_is_answered_in_english(fake, services):
    fake.reply = "Under 第二条 of the leave rules, you get 20 days of annual leave per year [1]."
    question = Question(text="How many days of annual leave do I get?", language="en")
    *_, final = await answer_events(azure_settings(fake.url), services, question=question)
    assert final.language == "en" and final.text.endswith("[1].")
    assert final.citations[0].quote.startswith("年次休暇は、一の年ごとにおける休暇とし")  # the number matches
    assert "Answer language: English" in user_prompt(fake.chat_requests()[0])


async def test_rewriter_uses_the_history_and_falls_back_on_failure(fake, services):
    answerer, rewriter = build_llm_answerer(azure_settings(fake.url), tokens=services.tokens,
                                            fallback=ExtractiveAnswerer(analyzer=services.analyzer))
    question = Question(text="それは繰り越せますか", language="ja", history=(
        Turn("user", "年休は何日もらえますか"), Turn("assistant", "年次休暇は二十日です[1]。")))
    fake.script = [Step(reply="「年次休暇の繰り越し」\n"), Step(status=500)]
    assert await rewriter.rewrite(question) == "年次休暇の繰り越し"
    prompt = user_prompt(fake.chat_requests()[0])
    assert "年休は何日もらえますか" in prompt and "年次休暇は二十日です。" in prompt and "それは繰り越せますか" in prompt
    assert fake.chat_requests()[0]["body"]["stream"] is False
    assert await rewriter.rewrite(question) == "それは繰り越せますか"  # HTTP 500: the question as asked
    assert await rewriter.rewrite(Question(text="年休は？", language="ja")) == "年休は？"  # no history, no call
    assert len(fake.chat_requests()) == 2
    await answerer.aclose()  # it owns the chat client the rewriter shares


async def test_rewriter_bounds_the_history(fake, services):
    answerer, rewriter = build_llm_answerer(azure_settings(fake.url), tokens=services.tokens,
                                            fallback=ExtractiveAnswerer(analyzer=services.analyzer))
    history = tuple(Turn("user", f"古い質問{i:02d}" + "あ" * 900) for i in range(20))
    fake.reply = "年次休暇"
    await rewriter.rewrite(Question(text="それは？", language="ja", history=history))
    await answerer.aclose()
    prompt = user_prompt(fake.chat_requests()[0])
    assert "古い質問19" in prompt and "古い質問13" not in prompt and len(prompt) < 6000


async def test_follow_up_through_the_pipeline(fake, services):
    answerer, rewriter = build_llm_answerer(azure_settings(fake.url), tokens=services.tokens,
                                            fallback=ExtractiveAnswerer(analyzer=services.analyzer))
    pipeline = AnswerPipeline(searcher=LocalSearcher(index=services.index, analyzer=services.analyzer),
                              answerer=answerer, rewriter=rewriter)
    fake.script = [Step(reply="育児休業は何歳まで取れますか"), Step(reply="子が三歳に達する日までです[1]。")]
    question = Question(text="それは何歳まで？", language="ja",
                        history=(Turn("user", "育休について教えて"), Turn("assistant", "育休は取得できます[1]。")))
    final = await pipeline.answer(question)
    await pipeline.aclose()
    rewrite, answer = fake.chat_requests()
    assert answer["body"]["messages"][1] == {"role": "user", "content": "育休について教えて"}
    assert answer["body"]["messages"][2] == {"role": "assistant", "content": "育休は取得できます。"}
    assert final.citations[0].passage.article == "第三条" and final.notice is None


class FakeCredential:
    """Stands in for the managed identity only; the SDK and azure-identity's provider are real."""

    def __init__(self):
        self.scopes = []

    async def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken("entra-token-123", int(time.time()) + 3600)

    async def close(self):
        pass


async def test_entra_id_sends_a_bearer_token_instead_of_a_key(fake, services, monkeypatch):
    credential = FakeCredential()
    monkeypatch.setattr("retrieval.azure_credentials.async_token_credential", lambda settings: credential)
    fake.reply = "年休は二十日です[1]。"
    *_, final = await answer_events(azure_settings(fake.url, azure_openai_api_key=""), services)
    [request] = fake.chat_requests()
    assert request["authorization"] == "Bearer entra-token-123" and request["api-key"] is None
    assert credential.scopes == [("https://cognitiveservices.azure.com/.default",)]
    assert final.citations and final.notice is None


async def test_a_failing_entra_id_credential_is_a_polite_fallback(fake, services, monkeypatch):
    from azure.core.exceptions import ClientAuthenticationError

    class BrokenCredential(FakeCredential):
        async def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("no managed identity here")

    monkeypatch.setattr("retrieval.azure_credentials.async_token_credential", lambda settings: BrokenCredential())
    *_, final = await answer_events(azure_settings(fake.url, azure_openai_api_key=""), services)
    assert final.notice == "model_error" and final.citations and fake.requests == []


async def test_openai_compatible_endpoint_for_on_prem_models(fake, services):
    fake.reply = "年休は二十日です[1]。"
    settings = load_settings(llm_base_url=fake.url + "/v1", llm_model="local-llm", llm_api_key="")
    *_, final = await answer_events(settings, services)
    [request] = fake.chat_requests()
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "local-llm"
    assert final.text == "年休は二十日です[1]。"


@pytest.mark.parametrize("raw, body, follow_ups, not_covered", [
    ("答え[1]。", "答え[1]。", (), False),
    ("答え[1]。\n<<FOLLOW_UPS>>\n- 次の質問？\n\n2) 二つ目？", "答え[1]。", ("次の質問？", "二つ目？"), False),
    ("答え[1]。\n**<<follow-ups>>**\nQ1: 一つ目？", "答え[1]。", ("一つ目？",), False),
    ("<<NOT_COVERED>>\n定めはありません。\n<<FOLLOW_UPS>>\n", "定めはありません。", (), True),
    ("答え。\n<<FOLLOW_UPS>>\n" + "長" * 200 + "\n短い？\n短い？", "答え。", ("短い？",), False),
])
def test_parse_reply(raw, body, follow_ups, not_covered):
    assert parse_reply(raw) == type(parse_reply(raw))(body=body, follow_ups=follow_ups, not_covered=not_covered)


@pytest.mark.parametrize("raw, shown", [
    ("年休は二十日です[", "年休は二十日です"),
    ("年休は二十日です[3", "年休は二十日です"),
    ("年休は二十日です[3]。<", "年休は二十日です[1]。"),
    ("年休は二十日です[3]。\n<<FOLL", "年休は二十日です[1]。"),
    ("年休は二十日です[3]。\n<<FOLLOW_UPS>>\n次", "年休は二十日です[1]。"),
    ("<<NOT_CO", ""),
    ("a < b です[1]", "a < b です[1]"),  # a "<" that starts no marker stays
])
def test_visible_draft(raw, shown):
    assert visible_draft(raw, 3) == shown


def test_ask_json_gets_a_cited_llm_answer_from_azure_openai(tmp_path, corpus_dir):
    fake = FakeOpenAI(reply="育休は、子が三歳に達する日まで取ることができます[1][9]。\n<<FOLLOW_UPS>>\n延長はできますか？")
    with serving_in_thread(fake) as url:
        result = run(["ask", "--json", "育休はいつまで取れますか"], tmp_path, corpus_dir, REIKI_ANSWERER="llm",
                     REIKI_AZURE_OPENAI_ENDPOINT=url, REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT="chat-dep",
                     REIKI_AZURE_OPENAI_API_KEY="test-key")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answer"] == "育休は、子が三歳に達する日まで取ることができます[1]。" and not data["abstained"]
    [citation] = data["citations"]
    assert citation["position"] == 1 and (citation["doc"], citation["article"]) == ("kyuka.md", "第三条")
    assert "三歳に達する日まで" in citation["quote"]
    [expansion, request] = fake.chat_requests()  # the statutory words first (retrieval.query_expansion)
    assert "法令用語" in user_prompt(expansion)
    assert request["path"] == "/openai/deployments/chat-dep/chat/completions"
    assert f"[1] {RULES} 第三条" in user_prompt(request)


def test_eval_judge_with_azure_openai(tmp_path, corpus_dir):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "育休はいつまで取れますか", "answer": "三歳まで",
                                     "answerable": True, "lang": "ja", "tags": [],
                                     "sources": [{"doc": "kyuka.md", "article": "第三条"}]},
                                    ensure_ascii=False) + "\n", encoding="utf-8")
    fake = FakeOpenAI(reply="評価: 4")
    out = tmp_path / "out"
    with serving_in_thread(fake) as url:
        result = run(["eval", "--questions", str(questions), "--corpus", str(corpus_dir), "--index",
                      str(tmp_path / "e.sqlite"), "--out", str(out), "--no-progress", "--judge"],
                     tmp_path, corpus_dir, REIKI_AZURE_OPENAI_ENDPOINT=url,
                     REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT="judge-dep", REIKI_AZURE_OPENAI_API_KEY="test-key")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["groundedness"] == 4 and summary["overall"]["relevance"] == 4
    assert {r["path"] for r in fake.requests} == {"/openai/deployments/judge-dep/chat/completions"}
    assert len(fake.requests) == 2  # one question, two aspects


def test_sources_are_packed_in_rank_order_within_the_budget(services):
    tokens = services.tokens
    everything = pack_sources(PASSAGES, tokens, 10_000)
    assert [p.passage for p in everything.passages] == [ANNUAL, CHILDCARE, SICK]
    assert everything.text.startswith(f"[1] {RULES} 第二条（年次休暇）\n第二条　年次休暇は")
    assert f"\n\n[3] {RULES} 第四条（病気休暇）" in everything.text
    assert tokens.count(everything.text) <= everything.tokens  # counted per block: never under the truth
    # a passage that does not fit is skipped, a shorter one after it still gets in, numbering stays dense
    first_two = pack_sources(PASSAGES[:1] + PASSAGES[2:], tokens, 10_000).tokens
    skipped = pack_sources(PASSAGES, tokens, first_two)
    assert [p.passage for p in skipped.passages] == [ANNUAL, SICK] and "[2] " + RULES + " 第四条" in skipped.text
    assert tokens.count(skipped.text) <= skipped.tokens <= first_two
    # the best passage is cut rather than dropped; duplicates are sent once
    cut = pack_sources(PASSAGES + PASSAGES, tokens, 30)
    assert [p.passage for p in cut.passages] == [ANNUAL] and cut.text.endswith("…")
    assert tokens.count(cut.text) <= 30
    assert len(pack_sources(PASSAGES + PASSAGES, tokens, 10_000).passages) == 3
    many = [ScoredPassage(Passage(doc=f"d{i}.md", seq=0, title="規程", text="本文。"), 1.0) for i in range(15)]
    assert len(pack_sources(many, tokens, 10_000).passages) == 10  # Teams shows at most 10 citations


def test_source_costs_counted_in_parts_equal_the_whole_block(services):
    """Header and body are counted apart (the body's count is remembered across questions): the
    sum must be exactly the block's own count, or the budget would drift."""
    from retrieval.source_packing import _source_cost, format_source

    tokens = services.tokens
    for number, scored in enumerate(PASSAGES, start=1):
        assert _source_cost(number, scored, tokens) == tokens.count(format_source(number, scored))


def test_remembered_counts_are_the_counts_and_stay_bounded(services, monkeypatch):
    tokens = type(services.tokens)(cache_dir=services.tokens.cache_dir)
    monkeypatch.setattr(type(tokens), "MAX_REMEMBERED", 3)
    texts = ["年次休暇は二十日", "育児休業", "病気休暇の期間", "出張の日当"]
    assert [tokens.count_remembered(t) for t in texts] == [tokens.count(t) for t in texts]
    assert list(tokens._counts) == texts[1:]  # the oldest went first
