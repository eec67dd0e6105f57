"""Recorded Teams traffic (../shared/teams-activities/, README there) replayed through the real HTTP
edge (`app.create_app`), with a stand-in Bot Connector listening at the rewritten serviceUrl.

One test per file; each asserts what the README's last column says a Teams user expects. A new
file without an expectation here fails the test, so the table and the test cannot drift apart.
"""
from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import BOT_KEY, create_app
from services import build_services
from settings import load_settings
from tests.conftest import ROOT

ACTIVITIES = ROOT.parent / "shared" / "teams-activities"
SAMPLES = ROOT / "samples" / "regulations"
FILES = sorted(p.name for p in ACTIVITIES.glob("*.json")) if ACTIVITIES.is_dir() else []

ABSTENTION = re.compile(r"見つかりませんでした|could not find")
TEXT_ONLY = "テキストでのご質問のみ"


class StandInConnector:
    """Records what the bot POSTs to {serviceUrl}/v3/conversations/...; answers with ids the way
    the Bot Connector does (the id of a posted message is what a later 👍/👎 refers to)."""

    def __init__(self) -> None:
        self.posted: list[dict] = []
        self.message_ids: list[str] = []  # ids to hand out to the next posted messages
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._record)
        self.server = TestServer(app)

    async def _record(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_path"] = request.path
        self.posted.append(body)
        if body.get("type") == "message" and self.message_ids:
            return web.json_response({"id": self.message_ids.pop(0)})
        return web.json_response({"id": f"{body.get('type')}-{len(self.posted)}"})

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def messages(self) -> list[dict]:
        return [a for a in self.posted if a.get("type") == "message"]

    async def settle(self, *, expect_message: bool, timeout: float = 30, quiet: float = 0.5) -> None:
        """Wait for the bot to finish: a message if one is expected, then no new post for `quiet` s
        (the HTTP edge may acknowledge before the turn ends)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while expect_message and not self.messages() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        count = -1
        while count != len(self.posted) and loop.time() < deadline:
            count = len(self.posted)
            await asyncio.sleep(quiet)


@pytest.fixture(scope="module")
def sample_services(tmp_path_factory):
    if not ACTIVITIES.is_dir():
        pytest.skip("../shared/teams-activities is not present")
    work = tmp_path_factory.mktemp("replay-index")
    settings = load_settings(corpus_dir=SAMPLES, index_path=work / "index.sqlite", state_path=work / "unused.sqlite")
    services = build_services(settings)
    services.indexer.run(SAMPLES)
    yield services
    services.close()


class Replay:
    def __init__(self, app: web.Application, server: TestServer, connector: StandInConnector) -> None:
        self.app, self.server, self.connector = app, server, connector

    @property
    def state(self):
        return self.app[BOT_KEY].state

    async def send(self, file_name: str, **changes) -> tuple[int, object]:
        activity = json.loads((ACTIVITIES / file_name).read_text(encoding="utf-8"))
        activity["serviceUrl"] = self.connector.url
        activity.update(changes)
        async with aiohttp.ClientSession() as session:
            async with session.post(self.server.make_url("/api/messages"), json=activity) as response:
                text = await response.text()
                return response.status, (json.loads(text) if text else None)


@pytest.fixture
async def replay(sample_services, tmp_path):
    connector = StandInConnector()
    await connector.server.start_server()
    # A fresh state store per file: welcome-once and feedback start empty.
    settings = sample_services.settings.model_copy(update={"state_path": tmp_path / "state.sqlite"})
    app = create_app(settings, sample_services)
    server = TestServer(app)
    await server.start_server()
    yield Replay(app, server, connector)
    await server.close()
    await connector.server.close()


# --- shared checks --------------------------------------------------------------------------
def original(name: str) -> dict:
    return json.loads((ACTIVITIES / name).read_text(encoding="utf-8"))


def one_message(replay: Replay) -> dict:
    messages = replay.connector.messages()
    assert len(messages) == 1, [m.get("text") for m in messages]
    return messages[0]


def citations(message: dict) -> list:
    return [claim for e in message.get("entities") or [] if e.get("@type") == "Message"
            for claim in e.get("citation", [])]


def in_thread_of(message: dict, name: str) -> bool:
    activity = original(name)
    return (message["replyToId"] == activity["id"]
            and message["conversation"]["id"] == activity["conversation"]["id"])


def assert_friendly_hint(message: dict, *, language: str = "ja") -> None:
    text = message["text"]
    assert not ABSTENTION.search(text), text
    assert not citations(message) and not re.search(r"\[\d+\]", text), text
    examples = "年休は何日もらえますか" if language == "ja" else "annual leave"
    assert examples in text, text


def assert_cited_answer(message: dict, *, language: str = "ja") -> None:
    text = message["text"]
    assert citations(message) and "[1]" in text, text
    # A Japanese answer opens with the quoted rule itself; an English one says, in English, what
    # follows: the key fact when a value was asked, else that the quotes are in Japanese.
    openings = ("「",) if language == "ja" else ("The regulations say", "Key fact:")
    assert text.startswith(openings), text
    assert message["channelData"] == {"feedbackLoop": {"type": "default"}}
    assert "<at>" not in text


async def assert_silent(replay: Replay, name: str) -> None:
    status, _ = await replay.send(name)
    assert status == 200
    await replay.connector.settle(expect_message=False)
    assert replay.connector.posted == [], replay.connector.posted


async def assert_well_formed_invoke(replay: Replay, name: str) -> dict:
    status, body = await replay.send(name)
    assert status == 200 and isinstance(body, dict), (status, body)
    return body


# --- one expectation per file -----------------------------------------------------------------
async def expect_01(replay, name):  # small talk: friendly reply saying what the bot can do
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert_friendly_hint(message, language="en")  # "Hey" with no locale: the text's language
    assert len(message["suggestedActions"]["actions"]) == 3


async def expect_02(replay, name):  # mention in a channel: answered in the thread, mention stripped
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert in_thread_of(message, name) and "<at>" not in message["text"]
    assert_friendly_hint(message, language="en")  # "Hey" again, from an en-US client
    assert "suggestedActions" not in message  # Teams shows no suggested actions in channels


async def expect_03(replay, name):  # channel thread reply without @mention: no reply
    await assert_silent(replay, name)


async def expect_04(replay, name):  # channel question with @mention: answered in the thread
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert in_thread_of(message, name) and "<at>" not in message["text"]
    assert message["text"].startswith(("The regulations say", "Key fact:", "I could not find")), message["text"]
    # No streaming outside 1:1 chats: only plain typing indicators before the one message.
    assert all(not a.get("entities") for a in replay.connector.posted if a["type"] == "typing")


async def expect_05(replay, name):  # no conversationType: treated as a 1:1 chat, answered
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    assert_friendly_hint(one_message(replay), language="en")


async def expect_06(replay, name):  # reaction: ignored quietly
    await assert_silent(replay, name)


async def expect_07(replay, name):  # card submit without text (in a channel, no mention): ignored
    await assert_silent(replay, name)


async def expect_08(replay, name):  # installed in a team: one short introduction
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert "例規Q&Aボットです" in message["text"] and "年休は何日もらえますか" in message["text"]


async def expect_09(replay, name):  # bot added to a team: one introduction, not a second after 08
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    assert "例規Q&Aボットです" in one_message(replay)["text"]
    await replay.send("08-installationUpdate-add-team.json")  # the same install, other event
    await replay.connector.settle(expect_message=False)
    assert len(replay.connector.messages()) == 1


async def expect_15(replay, name):  # "file": unclear, a friendly hint
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    assert_friendly_hint(one_message(replay), language="en")


async def expect_16(replay, name):  # "1" is not a question: a hint, never a cited answer
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert in_thread_of(message, name)
    assert_friendly_hint(message, language="en")


async def expect_no_reply(replay, name):  # 17-21, 28: membership and channel events, meetings
    await assert_silent(replay, name)


async def expect_compose_extension(replay, name):  # 22-24: an empty result, not 501
    body = await assert_well_formed_invoke(replay, name)
    assert body == {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}
    assert replay.connector.posted == []


async def expect_25(replay, name):  # task/fetch: a task module message
    body = await assert_well_formed_invoke(replay, name)
    assert body["task"]["type"] == "message" and body["task"]["value"]


async def expect_26(replay, name):  # legacy card invoke without a name: 200 {}
    assert await assert_well_formed_invoke(replay, name) == {}


async def expect_27(replay, name):  # message-extension submit as a message (channel, no mention)
    await assert_silent(replay, name)


async def expect_29(replay, name):  # personal install: one welcome with example questions
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert "例規Q&Aボットです" in message["text"]
    assert [a["type"] for a in message["suggestedActions"]["actions"]] == ["imBack"] * 3


async def _answer_then_feedback(replay: Replay, name: str) -> dict:
    """Ask a question in a 1:1 chat whose answer gets the id the feedback file refers to."""
    replay.connector.message_ids.append(original(name)["replyToId"])
    await replay.send("37-personal-ja-question-jaJP.json")
    await replay.connector.settle(expect_message=True)
    status, body = await replay.send(name)
    assert status == 200 and body == {}
    [record] = await replay.state.feedback()
    assert record["question"] == "年次有給休暇は何日もらえますか"
    assert record["passage_ids"] and record["citations"][0].startswith("みどり区")
    assert record["user"] and record["user"] != original(name)["from"]["aadObjectId"]  # hashed
    assert record["conversation_type"] == "channel"
    return record


async def expect_30(replay, name):  # 👍 with plain-text feedback: 200 {} and stored with the answer
    record = await _answer_then_feedback(replay, name)
    assert record["reaction"] == "like" and record["text"] == "test feedback"


async def expect_31(replay, name):  # 👎 with Teams' JSON-string feedback: stored, redacted
    record = await _answer_then_feedback(replay, name)
    assert record["reaction"] == "dislike" and record["text"] == "条文番号が違います [phone]"


async def expect_32(replay, name):  # Universal Action: a message response, not 501
    body = await assert_well_formed_invoke(replay, name)
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"].startswith("This action is not supported")  # en-US client


async def expect_text_only(replay, name):  # 33, 34, 36: files and images: polite "text only"
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    assert TEXT_ONLY in one_message(replay)["text"]


async def expect_35(replay, name):  # image with a question: the question is answered
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert TEXT_ONLY not in message["text"]
    assert_cited_answer(message)
    assert "文書管理規程" in citations(message)[0]["appearance"]["name"]


async def expect_37(replay, name):  # Japanese question: Japanese answer with citations, streamed
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert_cited_answer(message)
    [informative] = [a for a in replay.connector.posted if a["type"] == "typing"]
    assert informative["text"] == "例規を検索しています…"
    assert informative["entities"] == [{"type": "streaminfo", "streamType": "informative", "streamSequence": 1}]
    stream = message["entities"][0]
    assert stream == {"type": "streaminfo", "streamType": "final", "streamId": "typing-1"}
    usage = next(e for e in message["entities"] if e.get("@type") == "Message")["usageInfo"]
    assert usage["@type"] == "CreativeWork" and usage["name"] == "庁内限り"


async def expect_38(replay, name):  # English question: English text citing the Japanese article
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert_cited_answer(message, language="en")
    assert "休暇" in citations(message)[0]["appearance"]["name"]


async def expect_39(replay, name):  # Japanese question from an en-US client: Japanese answer
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    assert_cited_answer(one_message(replay))


async def expect_40(replay, name):  # /help: help text with example questions
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert_friendly_hint(message)
    assert "/reset" in message["text"] and "/reindex" not in message["text"]


async def expect_channel_answer(replay, name):  # 41, 42: answered in the thread, HTML stripped
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert in_thread_of(message, name)
    assert_cited_answer(message)
    assert "<b>" not in message["text"] and "&nbsp;" not in message["text"]
    assert "suggestedActions" not in message


async def expect_43(replay, name):  # group chat question: one answer, typing while working
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=True)
    message = one_message(replay)
    assert in_thread_of(message, name) and "<at>" not in message["text"]
    assert [a["type"] for a in replay.connector.posted][0] == "typing"
    assert replay.connector.posted[-1]["type"] == "message"
    assert any(e.get("@type") == "Message" for e in message["entities"])


async def expect_44(replay, name):  # Teams re-delivery of 43: 200 and no second reply
    await replay.send("43-groupchat-mention-ja-question.json")
    await replay.connector.settle(expect_message=True)
    assert (await replay.send(name))[0] == 200
    await replay.connector.settle(expect_message=False)
    assert len(replay.connector.messages()) == 1


EXPECTATIONS = {
    "01-personal-message-hey.json": expect_01,
    "02-channel-mention-html-clientinfo.json": expect_02,
    "03-channel-thread-reply-no-mention.json": expect_03,
    "04-channel-mention-question.json": expect_04,
    "05-mention-no-conversationType.json": expect_05,
    "06-messageReaction-like.json": expect_06,
    "07-card-submit-as-message.json": expect_07,
    "08-installationUpdate-add-team.json": expect_08,
    "09-conversationUpdate-bot-added-to-team.json": expect_09,
    "15-personal-message-file-en.json": expect_15,
    "16-channel-mention-html-2019.json": expect_16,
    "17-groupchat-member-added.json": expect_no_reply,
    "18-groupchat-member-removed.json": expect_no_reply,
    "19-team-member-added-user.json": expect_no_reply,
    "20-channel-created.json": expect_no_reply,
    "21-team-renamed.json": expect_no_reply,
    "22-composeExtension-query.json": expect_compose_extension,
    "23-composeExtension-fetchTask.json": expect_compose_extension,
    "24-composeExtension-queryLink.json": expect_compose_extension,
    "25-task-fetch.json": expect_25,
    "26-invoke-without-name-card-action.json": expect_26,
    "27-message-with-value-no-text.json": expect_27,
    "28-event-meetingStart.json": expect_no_reply,
    "29-conversationUpdate-bot-and-user-added-personal-docs.json": expect_29,
    "30-feedback-like-plain-docs.json": expect_30,
    "31-feedback-dislike-json-string.json": expect_31,
    "32-adaptiveCard-action-execute.json": expect_32,
    "33-personal-file-attachment.json": expect_text_only,
    "34-personal-inline-image.json": expect_text_only,
    "35-personal-image-with-question.json": expect_35,
    "36-personal-file-csv-rasa.json": expect_text_only,
    "37-personal-ja-question-jaJP.json": expect_37,
    "38-personal-en-question-enUS.json": expect_38,
    "39-personal-ja-question-enUS-locale.json": expect_39,
    "40-personal-help-command-jaJP.json": expect_40,
    "41-channel-mention-ja-question.json": expect_channel_answer,
    "42-channel-mention-textFormat-xml.json": expect_channel_answer,
    "43-groupchat-mention-ja-question.json": expect_43,
    "44-groupchat-mention-ja-question-RETRY.json": expect_44,
}


@pytest.mark.parametrize("name", FILES or [pytest.param("none", marks=pytest.mark.skip(
    reason="../shared/teams-activities is not present"))])
async def test_replayed_activity_meets_the_expectation(replay, name):
    expectation = EXPECTATIONS.get(name)
    assert expectation is not None, f"{name} is new in ../shared/teams-activities: add its expectation here"
    await expectation(replay, name)
    for activity in replay.connector.posted:  # nothing the bot sends leaks an internal error
        assert "Traceback" not in json.dumps(activity, ensure_ascii=False)


def test_every_expectation_has_its_file():
    if not ACTIVITIES.is_dir():
        pytest.skip("../shared/teams-activities is not present")
    assert sorted(EXPECTATIONS) == FILES


# --- hostile variants of recorded activities (issue #11's handler-level 5xx findings) ------------
INVOKE_NAMES = [
    "composeExtension/submitAction", "composeExtension/selectItem", "composeExtension/querySettingUrl",
    "composeExtension/setting", "composeExtension/onCardButtonClicked", "composeExtension/anonymousQueryLink",
    "task/submit", "tab/fetch", "tab/submit", "config/fetch", "config/submit", "signin/verifyState",
    "signin/tokenExchange", "fileConsent/invoke", "actionableMessage/executeAction", "healthCheck",
    "application/search", "handoff/action", "message/fetchTask", "unknown/thing", "", "x" * 5000,
]


@pytest.mark.parametrize("name", INVOKE_NAMES, ids=lambda n: n[:40] or "empty")
async def test_any_invoke_gets_a_well_formed_200(replay, name):
    status, body = await replay.send("32-adaptiveCard-action-execute.json", name=name, value={"a": 1})
    assert status == 200 and isinstance(body, dict), (status, body)


@pytest.mark.parametrize("value", ["not an object", [1, 2], 7, None, {"action": "x"}, {"action": {"verb": 5}}])
async def test_adaptive_card_action_with_any_value_gets_a_message_response(replay, value):
    status, body = await replay.send("32-adaptiveCard-action-execute.json", value=value)
    assert status == 200 and body["statusCode"] == 200 and body["value"], body


@pytest.mark.parametrize("members", [[None], [None, {}], [{"id": None}], [], "not a list"])
async def test_odd_members_added_is_not_a_server_error(replay, members):
    status, _ = await replay.send("09-conversationUpdate-bot-added-to-team.json", membersAdded=members)
    assert status < 500
    await replay.connector.settle(expect_message=False)
    assert replay.connector.messages() == []  # the bot itself is not among them: no welcome


@pytest.mark.parametrize("value", ["garbage", [1], {"actionValue": "x"}, {"actionValue": {"reaction": 5, "feedback": {}}}])
async def test_malformed_feedback_is_acknowledged(replay, value):
    status, body = await replay.send("30-feedback-like-plain-docs.json", value=value)
    assert status == 200 and body == {}
