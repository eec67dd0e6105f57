"""A Teams activity through the real HTTP edge on the production path: Azure AI Search passages,
an Azure OpenAI answer streamed into Teams, citations renumbered and rendered as Teams' schema.org
Message entity.

Everything is the product (`app.create_app` with settings chosen by `REIKI_SEARCH_BACKEND=azure`
and `REIKI_ANSWERER=llm`, the real SDK clients) except the far ends: local FAKES of Azure AI Search
and Azure OpenAI (tests/fakes) and a stand-in Bot Connector at the activity's serviceUrl. The HTTP
edge may acknowledge before the turn ends, so every check first waits for the replies to arrive.
"""
from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import create_app
from prompts import messages
from services import build_services
from settings import load_settings
from tests.fakes import serve_in_thread
from tests.fakes.azure_openai_fake import FakeOpenAI, rate_limit_error
from tests.fakes.azure_search_fake import FakeSearchService
from tests.test_replay_activities import StandInConnector

QUESTION = "年次休暇は何日ですか"
# The model cites source 2 before source 1 and points once at a source that does not exist ([12]: at most ten sources are given),
# then offers a follow-up question after the format's marker.
MODEL_REPLY = ("年次休暇は一の年において二十日です[2][1]。使わなかった日数は二十日を限度として翌年に繰り越せます[1][12]。"
               "\n<<FOLLOW_UPS>>\n- 年次休暇は時間単位で取れますか")
FINAL_TEXT = "年次休暇は一の年において二十日です[1][2]。使わなかった日数は二十日を限度として翌年に繰り越せます[2]。"
CHUNK_DELAY = 0.12  # the fake writes 4 characters per chunk: ~3 s for MODEL_REPLY, so Teams updates happen
REPLY_TIMEOUT = 30  # seconds to wait for the final message at the stand-in connector
CITATION_NAME = re.compile(r"^\S+ 第[一二三四五六七八九十百]+条")  # 規程名 第N条


@pytest.fixture(scope="module")
def search_service(corpus_dir, tmp_path_factory):
    """The Azure AI Search fake, holding the fixture corpus indexed by the real indexer (through the
    real SDK, with embeddings from the Azure OpenAI fake)."""
    search, embeddings = FakeSearchService(), FakeOpenAI()
    with serve_in_thread(search.app()) as search_url, serve_in_thread(embeddings.app()) as openai_url:
        settings = _settings(search, search_url, openai_url, tmp_path_factory.mktemp("azure-teams"), corpus_dir)
        services = build_services(settings)
        try:
            summary = services.indexer.run(corpus_dir)
        finally:
            services.close()
        assert summary.exit_status() == 0, summary.line()
        yield search, search_url


def _settings(search: FakeSearchService, search_url: str, openai_url: str, work, corpus_dir):
    return load_settings(
        search_backend="azure", answerer="llm", corpus_dir=corpus_dir,
        index_path=work / "unused-index.sqlite", state_path=work / "state.sqlite",
        azure_search_endpoint=search_url, azure_search_api_key=search.api_key,
        azure_openai_endpoint=openai_url, azure_openai_api_key="fake-key",
        azure_openai_chat_deployment="chat", azure_openai_embedding_deployment="embed",
        azure_openai_embedding_dimensions=64, sensitivity_label="庁内限り",
        microsoft_app_id="", microsoft_app_password="")


class Bot:
    """The app on a loopback port, one Azure OpenAI fake, and the stand-in connector."""

    def __init__(self, server: TestServer, model: FakeOpenAI, connector: StandInConnector,
                 search: FakeSearchService) -> None:
        self.server, self.model, self.connector, self.search = server, model, connector, search

    async def send(self, activity: dict) -> int:
        async with aiohttp.ClientSession() as session:
            async with session.post(self.server.make_url("/api/messages"), json=activity) as response:
                return response.status

    async def final_message(self) -> dict:
        """Wait for the one message of the turn (typing updates come before it), then for quiet."""
        await self.connector.settle(expect_message=True, timeout=REPLY_TIMEOUT)
        messages_ = self.connector.messages()
        assert len(messages_) == 1, [m.get("text") for m in messages_]
        return messages_[0]


@pytest.fixture
def model(request):
    """The Azure OpenAI fake, configured per test (`@pytest.mark.parametrize("model", [...], indirect=True)`)."""
    options = getattr(request, "param", {}) or {}
    fake = FakeOpenAI(reply=MODEL_REPLY, chunk_delay_seconds=CHUNK_DELAY)
    for name, value in options.items():
        setattr(fake, name, value)
    with serve_in_thread(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def bot(search_service, model, corpus_dir, tmp_path):
    search, search_url = search_service
    fake, openai_url = model
    connector = StandInConnector()
    await connector.server.start_server()
    server = TestServer(create_app(_settings(search, search_url, openai_url, tmp_path, corpus_dir)))
    await server.start_server()
    try:
        yield Bot(server, fake, connector, search)
    finally:
        await server.close()
        await connector.server.close()


def activity(service_url: str, text: str, *, kind: str = "personal", activity_id: str = "act-1") -> dict:
    conversation = {"id": "a:conv-azure", "conversationType": kind}
    if kind == "channel":
        conversation["id"] = "19:general@thread.tacv2;messageid=1700000000000"
    return {
        "type": "message", "id": activity_id, "channelId": "msteams", "serviceUrl": service_url,
        "text": text, "locale": "ja-JP", "timestamp": "2026-12-02T00:00:00Z",
        "from": {"id": "29:user", "name": "職員", "aadObjectId": "00000000-0000-0000-0000-000000000001"},
        "recipient": {"id": "28:bot", "name": "例規ボット"},
        "conversation": conversation,
        "entities": [{"type": "mention", "text": "<at>例規ボット</at>",
                      "mentioned": {"id": "28:bot", "name": "例規ボット"}}],
    }


def stream_info(posted: dict) -> dict | None:
    return next((e for e in posted.get("entities") or [] if e.get("type") == "streaminfo"), None)


def message_entity(message: dict) -> dict:
    [entity] = [e for e in message.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return entity


def source_names(chat_request: dict) -> dict[int, str]:
    """The numbered sources the model was given: `[n] 規程名 第N条（見出し）…` header lines."""
    prompt = chat_request["body"]["messages"][-1]["content"]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\[(\d+)\] (.+)$", prompt, re.M)}


# --- (a) 1:1 chat: streamed LLM answer -------------------------------------------------------------
async def test_personal_question_is_streamed_then_answered_with_renumbered_azure_citations(bot):
    searches_before = len(bot.search.requests_to("/docs/search.post.search"))
    assert await bot.send(activity(bot.connector.url, QUESTION)) == 200
    final = await bot.final_message()
    # Stream updates are typing activities with a streaminfo entity (plain typing may come too).
    updates = [a for a in bot.connector.posted if a["type"] == "typing" and stream_info(a)]

    # The informative update at once, then text updates, all one stream with growing sequence numbers.
    first = stream_info(updates[0])
    assert first["streamType"] == "informative" and first["streamSequence"] == 1
    assert updates[0]["text"] == messages("ja")["searching"]
    # The id the connector gave the first update is the stream id (the stand-in numbers its posts).
    stream_id = f"typing-{bot.connector.posted.index(updates[0]) + 1}"
    streaming = [u for u in updates[1:] if stream_info(u)["streamType"] == "streaming"]
    assert streaming, "no streaming update with partial text was sent"
    assert [stream_info(u)["streamSequence"] for u in updates] == list(range(1, len(updates) + 1))
    assert all(stream_info(u)["streamId"] == stream_id for u in updates[1:])
    for update in streaming:  # each update: the text so far, already renumbered, never the trailer
        assert update["text"] and FINAL_TEXT.startswith(update["text"]) and len(update["text"]) < len(FINAL_TEXT)
        assert "<<" not in update["text"] and "[12]" not in update["text"]

    # The final message ends the stream and carries the model's answer with renumbered markers.
    assert stream_info(final) == {"type": "streaminfo", "streamId": stream_id, "streamType": "final"}
    assert final["text"] == FINAL_TEXT
    assert final["replyToId"] == "act-1"

    # The citations are the Azure AI Search passages the model was given, in the new numbering:
    # new [1] is what the model called [2], new [2] its [1]; its [12] pointed nowhere and is gone.
    assert len(bot.search.requests_to("/docs/search.post.search")) > searches_before
    [_expansion, chat] = bot.model.chat_requests()  # the statutory words first, then the answer
    sources = source_names(chat)
    assert len(sources) >= 2, sources
    entity = message_entity(final)
    claims = entity["citation"]
    assert [c["position"] for c in claims] == [1, 2]
    for claim, old_number in zip(claims, (2, 1)):
        name = claim["appearance"]["name"]
        assert CITATION_NAME.match(name), name
        assert sources[old_number].startswith(name), (name, sources[old_number])
        assert claim["appearance"]["abstract"]
    # ...and the best match Azure AI Search returned is the article that answers the question.
    assert sources[1].startswith("テスト町職員の休暇に関する規程 第二条"), sources

    # The AI label, the sensitivity label, feedback, and the model's follow-up as a button.
    assert entity["additionalType"] == ["AIGeneratedContent"]
    assert entity["usageInfo"]["name"] == "庁内限り"
    assert final["channelData"] == {"feedbackLoop": {"type": "default"}}
    assert [a["value"] for a in final["suggestedActions"]["actions"]] == ["年次休暇は時間単位で取れますか"]


# --- (b) channel @mention: one final message -------------------------------------------------------
async def test_channel_mention_gets_one_final_message_without_streaming(bot):
    assert await bot.send(activity(bot.connector.url, f"<at>例規ボット</at> {QUESTION}", kind="channel")) == 200
    final = await bot.final_message()
    assert final["text"] == FINAL_TEXT and "<at>" not in final["text"]
    assert final["conversation"]["id"].startswith("19:general") and final["replyToId"] == "act-1"
    assert [c["position"] for c in message_entity(final)["citation"]] == [1, 2]
    assert stream_info(final) is None
    # The model streamed for ~3 s, yet the channel saw only plain typing indicators, never text.
    typing = [a for a in bot.connector.posted if a["type"] == "typing"]
    assert all(not a.get("entities") and not a.get("text") for a in typing), typing
    assert "suggestedActions" not in final  # Teams shows no suggested actions in channels


# --- (c) the model fails: the quoted articles with a notice, never an error ------------------------
@pytest.mark.parametrize("model, notice", [
    ({"status": 429, "headers": {"retry-after": "60"}, "error_body": rate_limit_error(60)}, "notice_model_busy"),
    ({"status": 500}, "notice_model_error"),
], indirect=["model"], ids=["429-long-retry-after", "500"])
async def test_model_failure_still_gets_a_cited_extractive_answer_with_a_notice(bot, notice):
    assert await bot.send(activity(bot.connector.url, QUESTION)) == 200
    final = await bot.final_message()
    text = messages("ja")
    notice_line, _, quoted = final["text"].partition("\n\n")
    assert notice_line == text[notice]
    assert quoted.startswith("「") and "[1]" in quoted, final["text"]
    assert text["error"] not in final["text"] and text["busy"] not in final["text"]
    claims = message_entity(final)["citation"]
    assert claims and all(CITATION_NAME.match(c["appearance"]["name"]) for c in claims)
    assert stream_info(final)["streamType"] == "final"  # the informative update's stream is ended
    assert not [a for a in bot.connector.posted if (stream_info(a) or {}).get("streamType") == "streaming"]
    # A retry-after longer than a Teams turn allows is not waited out: one request for the statutory
    # words and one for the answer, no retry.
    assert len(bot.model.chat_requests()) == 2
