"""Outgoing replies (bot/connector.py): one reused session, retries that honour Retry-After,
timeouts, and a JSON body identical to botbuilder's own serializer."""
import asyncio
import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from bot.connector import ConnectorAdapter, ConnectorError, ReplyConnector, activity_json
from bot.rendering import answer_activity, text_activity
from bot.server import _Config
from retrieval.models import Answer, Citation, Passage, ScoredPassage


class Channel:
    """A stand-in Bot Connector answering with scripted statuses, then 200."""

    def __init__(self, statuses=(), headers=None, delay=0.0):
        self.statuses = list(statuses)
        self.headers = headers or {}
        self.delay = delay
        self.requests = []
        app = web.Application()
        app.router.add_route("*", "/v3/conversations/{conversation}/activities/{activity}", self._handle)
        app.router.add_route("*", "/v3/conversations/{conversation}/activities", self._handle)
        self.server = TestServer(app)

    async def _handle(self, request):
        self.requests.append((request.method, request.path, dict(request.headers), await request.json()))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.statuses:
            return web.json_response({"error": "busy"}, status=self.statuses.pop(0), headers=self.headers)
        return web.json_response({"id": f"reply-{len(self.requests)}"})

    @property
    def url(self):
        return str(self.server.make_url("")).rstrip("/")


@pytest.fixture
async def channel_factory():
    started = []

    async def make(**kwargs):
        channel = Channel(**kwargs)
        await channel.server.start_server()
        started.append(channel)
        return channel

    yield make
    for channel in started:
        await channel.server.close()


class Sleeps:
    def __init__(self):
        self.delays = []

    async def __call__(self, seconds):
        self.delays.append(seconds)


async def test_reply_is_posted_to_the_activity_url_and_returns_its_id(channel_factory):
    channel = await channel_factory()
    connector = ReplyConnector()
    try:
        sent = await connector.send(channel.url, "a:conv 1", {"type": "message", "text": "こんにちは"},
                                    reply_to_id="act-1")
        again = await connector.send(channel.url, "a:conv 1", {"type": "message", "text": "2"})
    finally:
        await connector.aclose()
    assert sent == {"id": "reply-1"} and again == {"id": "reply-2"}
    (method, path, headers, body), (_, second_path, _, _) = channel.requests
    assert (method, path) == ("POST", "/v3/conversations/a:conv 1/activities/act-1")
    assert second_path == "/v3/conversations/a:conv 1/activities"
    assert body == {"type": "message", "text": "こんにちは"}
    assert "Authorization" not in headers  # anonymous: no token


async def test_429_is_retried_after_the_delay_the_channel_asks_for(channel_factory):
    channel = await channel_factory(statuses=[429], headers={"Retry-After": "2"})
    sleeps = Sleeps()
    connector = ReplyConnector(sleep=sleeps)
    try:
        sent = await connector.send(channel.url, "c", {"type": "message"}, reply_to_id="a", token="tok")
    finally:
        await connector.aclose()
    assert sent == {"id": "reply-2"} and len(channel.requests) == 2
    assert sleeps.delays == [2.0]
    assert channel.requests[1][2]["Authorization"] == "Bearer tok"


async def test_server_errors_back_off_then_give_up(channel_factory):
    channel = await channel_factory(statuses=[503, 502, 500])
    sleeps = Sleeps()
    connector = ReplyConnector(sleep=sleeps, attempts=3, backoff_seconds=0.5)
    try:
        with pytest.raises(ConnectorError) as raised:
            await connector.send(channel.url, "c", {"type": "message"})
    finally:
        await connector.aclose()
    assert raised.value.status == 500 and len(channel.requests) == 3
    assert len(sleeps.delays) == 2 and 0.5 <= sleeps.delays[0] < 0.7 and 1.0 <= sleeps.delays[1] < 1.3


async def test_client_errors_are_not_retried(channel_factory):
    channel = await channel_factory(statuses=[400])
    connector = ReplyConnector(sleep=Sleeps())
    try:
        with pytest.raises(ConnectorError):
            await connector.send(channel.url, "c", {"type": "message"})
    finally:
        await connector.aclose()
    assert len(channel.requests) == 1


async def test_a_channel_that_hangs_times_out(channel_factory):
    channel = await channel_factory(delay=5.0)
    connector = ReplyConnector(timeout_seconds=0.3)
    try:
        with pytest.raises(asyncio.TimeoutError):
            await connector.send(channel.url, "c", {"type": "message"})
    finally:
        await connector.aclose()


def _addressed(activity: Activity) -> Activity:
    activity.conversation = ConversationAccount(id="a:conv", conversation_type="personal")
    activity.from_property = ChannelAccount(id="28:bot", name="例規ボット")
    activity.recipient = ChannelAccount(id="29:user", aad_object_id="0000")
    activity.service_url, activity.reply_to_id, activity.channel_id = "http://x", "act-1", "msteams"
    return activity


def test_reply_json_matches_botbuilders_serializer():
    passage = Passage(doc="kinmu.md", seq=0, title="職員の勤務時間に関する規則", text="年次休暇は二十日とする。",
                      article="第十条", url="https://example.org/kinmu", category="規則")
    answer = Answer(text="年次休暇は二十日です[1]。", citations=(Citation(1, passage, "年次休暇は二十日とする。"),),
                    passages=(ScoredPassage(passage, 1.0, 0.9),), abstained=False, language="ja")
    typing = Activity(type=ActivityTypes.typing, text="検索中…",
                      entities=[Entity(type="streaminfo")])
    for activity in (answer_activity(answer), text_activity("help", "ja"), MessageFactory.text("hi"), typing):
        activity = _addressed(activity)
        assert activity_json(activity) == activity.serialize()
    dated = _addressed(MessageFactory.text("x"))
    dated.timestamp = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    assert activity_json(dated) == dated.serialize()  # msrest formats dates: falls back to it


async def test_adapter_reuses_clients_across_turns(channel_factory, monkeypatch):
    channel = await channel_factory()
    config = _Config(app_id="", password="", app_type="MultiTenant", tenant_id="")
    adapter = ConnectorAdapter(ConfigurationBotFrameworkAuthentication(config))
    import botframework.connector.auth._connector_factory_impl as factory_module
    import botframework.connector.auth._user_token_client_impl as token_module

    built = {"connector": 0, "token": 0}
    real_connector, real_token = factory_module.ConnectorClient, token_module.TokenApiClient

    def count(kind, real):
        def build(*args, **kwargs):
            built[kind] += 1
            return real(*args, **kwargs)
        return build

    monkeypatch.setattr(factory_module, "ConnectorClient", count("connector", real_connector))
    monkeypatch.setattr(token_module, "TokenApiClient", count("token", real_token))

    async def echo(turn_context: TurnContext):
        await turn_context.send_activity(MessageFactory.text(f"echo {turn_context.activity.text}"))

    try:
        for number in range(3):
            activity = Activity().deserialize({
                "type": "message", "id": f"act-{number}", "channelId": "msteams", "serviceUrl": channel.url,
                "text": f"q{number}", "from": {"id": "29:user"}, "recipient": {"id": "28:bot"},
                "conversation": {"id": "a:conv"}})
            await adapter.process_activity("", activity, echo)
    finally:
        await adapter.connector.aclose()
    assert [r[3]["text"] for r in channel.requests] == ["echo q0", "echo q1", "echo q2"]
    assert [r[1] for r in channel.requests] == [f"/v3/conversations/a:conv/activities/act-{n}" for n in range(3)]
    assert built == {"connector": 1, "token": 1}
