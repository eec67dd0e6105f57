"""The real HTTP path: POST /api/messages on a running app; replies arrive at a local receiver
that stands in for the Bot Connector (the activity's serviceUrl)."""
import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from app import create_app


class ConnectorReceiver:
    """Records what the bot POSTs to {serviceUrl}/v3/conversations/{id}/activities/{reply_to}."""

    def __init__(self):
        self.posted: list[dict] = []
        self.headers: list[dict] = []
        self.arrived = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._record)
        self.server = TestServer(app)

    async def _record(self, request):
        self.posted.append(await request.json())
        self.headers.append(dict(request.headers))
        self.arrived.set()
        return web.json_response({"id": f"reply-{len(self.posted)}"})

    @property
    def url(self):
        return str(self.server.make_url("")).rstrip("/")


@pytest.fixture
async def bot_url(services):
    server = TestServer(create_app(services.settings, services))
    await server.start_server()
    yield str(server.make_url("/api/messages"))
    await server.close()


def teams_message(service_url, text, activity_id="act-1"):
    return {
        "type": "message", "id": activity_id, "channelId": "msteams", "serviceUrl": service_url,
        "text": text, "locale": "ja-JP", "timestamp": "2026-11-27T00:00:00Z",
        "from": {"id": "29:user", "name": "職員", "aadObjectId": "00000000-0000-0000-0000-000000000001"},
        "recipient": {"id": "28:bot", "name": "例規ボット"},
        "conversation": {"id": "a:conv-1", "conversationType": "personal"},
        "entities": [{"type": "mention", "text": "<at>例規ボット</at>",
                      "mentioned": {"id": "28:bot", "name": "例規ボット"}}],
    }


async def post(url, body, raw=None):
    async with aiohttp.ClientSession() as session:
        data = raw if raw is not None else json.dumps(body)
        async with session.post(url, data=data, headers={"Content-Type": "application/json"}) as resp:
            return resp.status, await resp.text()


async def test_teams_message_reply_is_posted_to_service_url_with_citations(bot_url, receiver):
    status, _ = await post(bot_url, teams_message(receiver.url, "<at>例規ボット</at> 年次休暇は何日ですか"))
    assert status == 200
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    await asyncio.sleep(0.2)  # a 1:1 answer is streamed: typing updates come before the message
    [reply] = [activity for activity in receiver.posted if activity["type"] == "message"]
    assert "[1]" in reply["text"]
    assert reply["replyToId"] == "act-1" and reply["conversation"]["id"] == "a:conv-1"
    [entity] = [e for e in reply["entities"] if e["type"] != "streaminfo"]
    assert entity["type"] == "https://schema.org/Message"
    assert entity["@context"] == "https://schema.org" and entity["@id"] == ""
    assert entity["additionalType"] == ["AIGeneratedContent"]
    appearance = entity["citation"][0]["appearance"]
    assert appearance["@type"] == "DigitalDocument"
    assert appearance["name"].startswith("テスト町職員の休暇に関する規程 第二条")
    assert appearance["url"] == "https://reiki.example.test/kyuka"


async def test_duplicate_delivery_is_answered_once(bot_url, receiver):
    body = teams_message(receiver.url, "年次休暇は何日ですか", activity_id="dup-1")
    assert (await post(bot_url, body))[0] == 200
    assert (await post(bot_url, body))[0] == 200
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    await asyncio.sleep(0.2)
    assert len([activity for activity in receiver.posted if activity["type"] == "message"]) == 1


@pytest.mark.parametrize("raw, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a Bot Framework activity"),
    (json.dumps({"text": "no type"}), "not a Bot Framework activity"),
    (json.dumps({"type": "message", "text": "年休"}), "lacks serviceUrl"),
])
async def test_malformed_requests_get_400_not_500(bot_url, raw, reason):
    status, body = await post(bot_url, None, raw=raw)
    assert status == 400 and reason in body


async def test_non_message_activity_is_accepted_without_reply(bot_url, receiver):
    body = teams_message(receiver.url, "")
    body.update(type="messageReaction", id="react-1")
    status, _ = await post(bot_url, body)
    assert status == 200
    await asyncio.sleep(0.2)
    assert receiver.posted == []


async def test_health_check(services):
    server = TestServer(create_app(services.settings, services))
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/healthz")) as resp:
                assert resp.status == 200 and (await resp.json())["passages"] > 0
    finally:
        await server.close()


async def test_anonymous_mode_does_not_trust_a_client_supplied_aad_object_id(services, receiver):
    admin_id = "00000000-0000-0000-0000-00000000ad01"
    settings = services.settings.model_copy(update={"admin_object_ids": (admin_id,)})
    server = TestServer(create_app(settings, services))
    await server.start_server()
    try:
        body = teams_message(receiver.url, "/reindex", activity_id="admin-anon-1")
        body["from"]["aadObjectId"] = admin_id
        status, _ = await post(str(server.make_url("/api/messages")), body)
        assert status == 200
        await asyncio.wait_for(receiver.arrived.wait(), 10)
        assert "管理者のみ" in receiver.posted[0]["text"]
    finally:
        await server.close()


@pytest.mark.parametrize("service_url", ["http://169.254.169.254/latest", "https://smba.trafficmanager.net/jp/",
                                         "http://10.0.0.5:8080", "http://localhost.evil.example"])
async def test_anonymous_mode_replies_only_to_loopback(bot_url, service_url):
    status, body = await post(bot_url, teams_message(service_url, "年次休暇は何日ですか", activity_id="ssrf-1"))
    assert status == 400 and "loopback" in body


async def test_missing_token_is_401_when_credentials_are_configured(services, receiver):
    settings = services.settings.model_copy(update={
        "microsoft_app_id": "00000000-0000-0000-0000-0000000000b0",
        "microsoft_app_password": SecretStr("not-used-for-this-check")})
    server = TestServer(create_app(settings, services))
    await server.start_server()
    try:
        status, body = await post(str(server.make_url("/api/messages")),
                                  teams_message(receiver.url, "年次休暇は何日ですか", activity_id="auth-1"))
        assert status == 401 and "unauthorized" in body
        assert receiver.posted == []
    finally:
        await server.close()


async def test_oversized_body_is_refused_with_413(bot_url, receiver):
    body = teams_message(receiver.url, "あ" * 200_000, activity_id="huge-1")
    status, _ = await post(bot_url, body)
    assert status == 413
    assert receiver.posted == []


def test_anonymous_mode_binds_loopback_unless_forced(services, caplog):
    from app import serving_host

    anonymous = services.settings.model_copy(update={"microsoft_app_id": ""})
    assert serving_host(anonymous, "0.0.0.0") == "127.0.0.1"
    assert "REIKI_ALLOW_REMOTE_ANONYMOUS" in caplog.text
    forced = anonymous.model_copy(update={"allow_remote_anonymous": True})
    assert serving_host(forced, "0.0.0.0") == "0.0.0.0"
    assert "ANONYMOUS MODE ON 0.0.0.0" in caplog.text
    authenticated = services.settings.model_copy(update={"microsoft_app_id": "app"})
    assert serving_host(authenticated, "0.0.0.0") == "0.0.0.0"


async def _logged_lines(services, receiver, caplog, **update):
    import logging

    from logs import JsonFormatter

    server = TestServer(create_app(services.settings.model_copy(update=update), services))
    await server.start_server()
    try:
        with caplog.at_level(logging.INFO):
            await post(str(server.make_url("/api/messages")),
                       teams_message(receiver.url, "電話090-1234-5678の職員の年次休暇は何日ですか",
                                     activity_id="log-1"))
            await asyncio.wait_for(receiver.arrived.wait(), 10)
    finally:
        await server.close()
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name.startswith("bot.")]


async def test_question_text_is_logged_only_when_enabled_and_then_redacted(services, receiver, caplog):
    lines = await _logged_lines(services, receiver, caplog)
    assert any(line["message"] == "turn accepted" and line["activity_id"] == "log-1" for line in lines)
    assert not any("年次休暇" in json.dumps(line, ensure_ascii=False) for line in lines)
    caplog.clear()
    receiver.arrived.clear()
    lines = await _logged_lines(services, receiver, caplog, log_questions=True)
    [accepted] = [line for line in lines if line["message"] == "turn accepted"]
    assert accepted["question"] == "電話[phone]の職員の年次休暇は何日ですか"


async def test_health_check_reports_loop_lag_and_running_turns(services):
    server = TestServer(create_app(services.settings, services))
    await server.start_server()
    try:
        await asyncio.sleep(0.2)
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/healthz")) as resp:
                body = await resp.json()
        assert body["running_turns"] == 0 and 0 <= body["loop_lag_max_ms"] < 1000
    finally:
        await server.close()
