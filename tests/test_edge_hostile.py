"""Hostile requests at the HTTP edge: none may hold the event loop (/healthz keeps answering within
200 ms while each is in flight), schema garbage gets 400 (never 500), turns are acknowledged at
once, time out politely, and are awaited at shutdown."""
import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import create_app
from tests.fakes.bot_framework_tokens import new_key
from tests.test_auth_matrix import auth_settings, no_entra, post_with  # noqa: F401 (fixture)
from tests.test_http import post, teams_message

# The stalls these tests reproduce lasted seconds to a minute; a bound well above scheduling noise
# on a loaded 2-core machine still tells a stalled loop from a live one.
HEALTHZ_BOUND_SECONDS = 0.75


async def start(app):
    server = TestServer(app)
    await server.start_server()
    return server


class LoopLag:
    """Samples how late a 5 ms sleep wakes up: the longest event-loop block while it runs."""

    def __init__(self):
        self.worst = 0.0
        self._task = None

    async def _run(self):
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - started - 0.005)

    def __enter__(self):
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc):
        self._task.cancel()


async def healthz_latencies_while(server, hostile, *, seconds=1.0):
    """Run the hostile coroutine and poll /healthz until it ends (at least `seconds`)."""
    latencies = []
    with LoopLag() as lag:
        task = asyncio.create_task(hostile)
        async with aiohttp.ClientSession() as session:
            deadline = time.perf_counter() + seconds
            while not task.done() or time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(server.make_url("/healthz")) as resp:
                    assert resp.status == 200
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.02)
        result = await task
    print(f"healthz worst {max(latencies) * 1000:.0f} ms, loop lag worst {lag.worst * 1000:.0f} ms")
    return result, max(latencies), lag.worst


async def test_forged_tokens_while_the_metadata_host_is_slow_do_not_stall(services, openid, receiver):
    openid.delay = 5.0  # slower than the 2 s fetch timeout
    server = await start(create_app(auth_settings(services, openid), services))
    try:
        url = str(server.make_url("/api/messages"))
        forged = "Bearer " + openid.token(receiver.url, key=new_key())  # right claims, wrong key

        async def hostile():
            return await asyncio.gather(*[
                post_with(url, teams_message(receiver.url, "年休", activity_id=f"slow-{n}"), forged)
                for n in range(20)])

        results, worst, lag = await healthz_latencies_while(server, hostile())
        assert {status for status, _ in results} == {503}  # keys unavailable, never 500
        assert worst < HEALTHZ_BOUND_SECONDS and lag < HEALTHZ_BOUND_SECONDS, (worst, lag)
        assert openid.requests == 1  # one fetch for 20 concurrent forged tokens
        # the failure is cached: more forged tokens are refused at once, with no new fetch
        started = time.perf_counter()
        status, _ = await post_with(url, teams_message(receiver.url, "年休", activity_id="slow-x"), forged)
        assert status == 503 and time.perf_counter() - started < 0.5 and openid.requests == 1
    finally:
        await server.close()


async def test_mention_heavy_240_kb_body_does_not_stall(services, receiver):
    server = await start(create_app(services.settings, services))
    try:
        url = str(server.make_url("/api/messages"))
        text = "<at>" * 59_000 + "<" * 1_000
        body = teams_message(receiver.url, text, activity_id="at-heavy")
        assert 230_000 < len(json.dumps(body)) < 256 * 1024
        (status, _), worst, lag = await healthz_latencies_while(server, post(url, body))
        assert status == 200 and worst < HEALTHZ_BOUND_SECONDS and lag < HEALTHZ_BOUND_SECONDS, (worst, lag)
        await asyncio.wait_for(receiver.arrived.wait(), 10)  # a polite reply, not a frozen server
    finally:
        await server.close()


async def test_200_kb_feedback_text_does_not_stall(services, receiver):
    server = await start(create_app(services.settings, services))
    try:
        url = str(server.make_url("/api/messages"))
        body = teams_message(receiver.url, "", activity_id="fb-1")
        body.update(type="invoke", name="message/submitAction", replyToId="reply-1", value={
            "actionName": "feedback", "actionValue": {
                "reaction": "dislike", "feedback": json.dumps({"feedbackText": "a" * 100_000 + "@" + "b" * 100_000})}})
        (status, text), worst, lag = await healthz_latencies_while(server, post(url, body))
        assert status == 400 and "feedback too long" in text  # bounded at the door
        assert worst < HEALTHZ_BOUND_SECONDS and lag < HEALTHZ_BOUND_SECONDS, (worst, lag)
        # feedback of a realistic length is still taken
        body["value"]["actionValue"]["feedback"] = json.dumps({"feedbackText": "根拠の条文が違います。" * 50})
        (status, _), worst, lag = await healthz_latencies_while(server, post(url, body))
        assert status == 200 and worst < HEALTHZ_BOUND_SECONDS and lag < HEALTHZ_BOUND_SECONDS, (worst, lag)
    finally:
        await server.close()


def deep(n):
    return "[" * n + "]" * n


@pytest.mark.parametrize("mutate, reason", [
    (lambda b: b.update(serviceUrl=12345), "lacks serviceUrl"),
    (lambda b: b.update(serviceUrl={"url": "http://127.0.0.1"}), "lacks serviceUrl"),
    (lambda b: b.update(serviceUrl="ftp://127.0.0.1/"), "http(s) URL"),
    (lambda b: b.update(serviceUrl="http://[::1"), "http(s) URL"),
    (lambda b: b.update(type="conversationUpdate", membersAdded=[None]), "membersAdded"),
    (lambda b: b.update(type="conversationUpdate", membersAdded=[{"id": 5}]), "membersAdded"),
    (lambda b: b.update(type="conversationUpdate", membersAdded="bot"), "membersAdded"),
    (lambda b: b.update(**{"from": "someone"}), "from must be"),
    (lambda b: b.update(text=["a", "list"]), "text must be"),
    (lambda b: b.update(entities=[None]), "entities"),
    (lambda b: b.update(attachments={"a": 1}), "attachments"),
    (lambda b: b.update(conversation={"id": 7}), "lacks serviceUrl"),
    (lambda b: b.update(conversation={"id": " a:1\r\nX-Evil: 1"}), "conversation id must be printable ASCII"),
    (lambda b: b.update(conversation={"id": "会話"}), "conversation id must be printable ASCII"),
    (lambda b: b.update(id="1\nHost: evil"), "id must be printable ASCII"),
    (lambda b: b.update(replyToId="x\ny"), "replyToId must be printable ASCII"),
])
async def test_schema_garbage_is_400_not_500(services, receiver, mutate, reason):
    server = await start(create_app(services.settings, services))
    try:
        body = teams_message(receiver.url, "年休", activity_id="garbage-1")
        mutate(body)
        status, text = await post(str(server.make_url("/api/messages")), body)
        assert status == 400 and reason in text, (status, text)
    finally:
        await server.close()


async def test_1000_deep_json_body_is_400(services):
    server = await start(create_app(services.settings, services))
    try:
        status, text = await post(str(server.make_url("/api/messages")), None, raw=deep(1000))
        assert status == 400
        status, text = await post(str(server.make_url("/api/messages")), None, raw=deep(100_000))
        assert status == 400
        inside = json.dumps(teams_message("http://127.0.0.1:9", "年休"))
        inside = inside.replace('"locale"', f'"x": {deep(200)}, "locale"')
        status, text = await post(str(server.make_url("/api/messages")), None, raw=inside)
        assert status == 400 and "nested too deeply" in text
    finally:
        await server.close()


def messages(receiver) -> list[dict]:
    """What the user reads as messages (1:1 chats first get an informative typing update)."""
    return [posted for posted in receiver.posted if posted["type"] == "message"]


async def wait_for_messages(receiver, count: int, timeout: float = 5.0) -> list[dict]:
    for _ in range(int(timeout / 0.05)):
        if len(messages(receiver)) >= count:
            break
        await asyncio.sleep(0.05)
    return messages(receiver)


async def test_message_is_acknowledged_at_once_and_a_slow_turn_ends_politely(services, receiver, slow_answers):
    slow_answers["delay"] = 30
    settings = services.settings.model_copy(update={"turn_timeout_seconds": 0.5})
    server = await start(create_app(settings, services))
    try:
        started = time.perf_counter()
        status, _ = await post(str(server.make_url("/api/messages")),
                               teams_message(receiver.url, "年次休暇は何日ですか", activity_id="slow-turn"))
        assert status == 200 and time.perf_counter() - started < 0.4  # before the answer exists
        assert "申し訳ありません" in (await wait_for_messages(receiver, 1))[0]["text"]
    finally:
        await server.close()


async def test_running_turns_are_awaited_at_shutdown(services, receiver, slow_answers):
    slow_answers["delay"] = 0.5
    server = await start(create_app(services.settings, services))
    status, _ = await post(str(server.make_url("/api/messages")),
                           teams_message(receiver.url, "年次休暇は何日ですか", activity_id="drain-1"))
    assert status == 200 and messages(receiver) == []
    await server.close()  # cleanup waits for the turn
    assert len(messages(receiver)) == 1 and "[1]" in messages(receiver)[0]["text"]


async def test_a_retry_after_a_crashed_turn_is_processed(services, receiver, slow_answers, caplog):
    slow_answers["fail_first"] = True
    server = await start(create_app(services.settings, services))
    try:
        url = str(server.make_url("/api/messages"))
        body = teams_message(receiver.url, "年次休暇は何日ですか", activity_id="crash-1")
        assert (await post(url, body))[0] == 200
        assert "申し訳ありません" in (await wait_for_messages(receiver, 1))[0]["text"]
        assert (await post(url, body))[0] == 200  # Teams' retry
        assert "[1]" in (await wait_for_messages(receiver, 2))[1]["text"]
        from logs import JsonFormatter  # the traceback of the crash, as our log handler writes it
        lines = [JsonFormatter().format(record) for record in caplog.records if record.exc_info]
        assert lines and all("090-1234-5678" not in line and "[phone]" in line for line in lines)
    finally:
        await server.close()


async def test_a_slow_entra_token_endpoint_does_not_stall_replies(services, openid, receiver, monkeypatch):
    """botbuilder signs each reply synchronously on the event loop, with new credentials (an empty
    MSAL cache) per turn; the edge keeps one credentials object and fetches its token in a thread."""
    import threading

    from botframework.connector.auth import MicrosoftAppCredentials

    fetched_on = []

    def get_access_token(self, force_refresh=False):
        if not getattr(self, "_test_cached", None):  # like MSAL: slow network once, then the cache
            fetched_on.append(threading.current_thread() is threading.main_thread())
            time.sleep(1.0)
            self._test_cached = "outbound-token"
        return self._test_cached

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", get_access_token)
    server = await start(create_app(auth_settings(services, openid), services))
    try:
        url = str(server.make_url("/api/messages"))

        async def two_turns():
            for n in range(2):
                receiver.arrived.clear()
                status, _ = await post_with(url, teams_message(receiver.url, "/help", activity_id=f"entra-{n}"),
                                            "Bearer " + openid.token(receiver.url))
                assert status == 200
                await asyncio.wait_for(receiver.arrived.wait(), 10)

        _, worst, lag = await healthz_latencies_while(server, two_turns())
        assert worst < HEALTHZ_BOUND_SECONDS and lag < HEALTHZ_BOUND_SECONDS, (worst, lag)
        assert fetched_on == [False]  # fetched once, in a worker thread
        assert [h["Authorization"] for h in receiver.headers] == ["Bearer outbound-token"] * 2
    finally:
        await server.close()


class ScriptedConnector:
    """A Bot Connector stand-in that answers 503 (with Retry-After), hangs, or takes the reply."""

    def __init__(self, script):
        from aiohttp import web

        self.script = list(script)
        self.attempts = 0
        self.taken = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app)

    async def _handle(self, request):
        from aiohttp import web

        self.attempts += 1
        body = await request.json()
        step = self.script.pop(0) if self.script else "ok"
        if step in ("429", "503"):
            return web.json_response({"error": "busy"}, status=int(step), headers={"Retry-After": "0"})
        if step == "hang":
            await asyncio.sleep(30)
        self.taken.append(body)
        return web.json_response({"id": f"reply-{len(self.taken)}"})

    @property
    def url(self):
        return str(self.server.make_url("")).rstrip("/")


@pytest.mark.parametrize("answer", ["429", "503"])
async def test_connector_throttling_is_retried_and_the_reply_delivered(services, answer):
    connector = ScriptedConnector([answer, "ok"])
    await connector.server.start_server()
    server = await start(create_app(services.settings, services))
    try:
        status, _ = await post(str(server.make_url("/api/messages")),
                               teams_message(connector.url, "/help", activity_id=f"retry-{answer}"))
        assert status == 200
        for _ in range(100):
            if connector.taken:
                break
            await asyncio.sleep(0.1)
        assert connector.attempts == 2 and len(connector.taken) == 1
    finally:
        await server.close()
        await connector.server.close()


async def test_a_hanging_connector_does_not_hold_a_turn_for_minutes(services):
    from app import EDGE_KEY

    connector = ScriptedConnector(["hang", "hang", "hang"])
    await connector.server.start_server()
    settings = services.settings.model_copy(update={"reply_timeout_seconds": 0.5})
    app = create_app(settings, services)
    server = await start(app)
    try:
        status, _ = await post(str(server.make_url("/api/messages")),
                               teams_message(connector.url, "/help", activity_id="hang-1"))
        assert status == 200
        started = time.perf_counter()
        while app[EDGE_KEY].running_turns and time.perf_counter() - started < 20:
            await asyncio.sleep(0.1)
        assert app[EDGE_KEY].running_turns == 0  # ended after its timeouts, not msrest's 100 s
        assert time.perf_counter() - started < 10
    finally:
        await server.close()
        await connector.server.close()
