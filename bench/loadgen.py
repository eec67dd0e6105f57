"""An asyncio load generator for the bot endpoint, and a stand-in Bot Connector receiving replies.

A turn is timed from the POST of the user's activity to the later of (a) the HTTP response (the
acknowledgement) and (b) the bot's final `message` reply arriving at the stand-in connector
(the activity's serviceUrl). What comes before it is told apart by type and streaminfo entity
(Teams streaming, bot/streaming.py): the first `typing` activity of any kind is the first update
the user sees (the informative "searching" line in a 1:1 chat, a typing indicator elsewhere);
the first `typing` with streamType "streaming" is the first streamed answer text. A final message
that is the edge's "busy" refusal, or an answer led by the "model busy" notice, is flagged.
Each worker is one user in a 1:1 chat, sending its next question when the last one is answered
(closed loop), so `concurrency` is the number of questions in flight.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web


@dataclass
class TurnTiming:
    sent: float
    ack: float | None = None
    first_update: float | None = None  # any typing activity: informative update or typing indicator
    first_text: float | None = None  # the first streamed answer text (streamType "streaming")
    final: float | None = None
    status: int | None = None
    busy: bool = False  # the edge refused the turn ("busy" reply) instead of answering it
    failed: bool = False  # the final message is the polite error/timeout apology
    degraded: bool = False  # answered without the model (the answerer's "model busy" notice)
    streamed_final: bool = False  # the final message closed a stream (streaminfo "final")


def _refusals() -> tuple[set[str], set[str], tuple[str, ...]]:
    """The edge's busy replies, the error apologies and the answerer's model-busy notices, in both
    reply languages."""
    from prompts import messages

    tables = [messages(language) for language in ("ja", "en")]
    return ({t["busy"].strip() for t in tables}, {t["error"].strip() for t in tables},
            tuple(t["notice_model_busy"].strip() for t in tables))


BUSY_TEXTS, ERROR_TEXTS, MODEL_BUSY_NOTICES = _refusals()


def _stream_type(body: dict) -> str | None:
    for entity in body.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "streaminfo":
            return entity.get("streamType")
    return None


class StandInConnector:
    """Receives what the bot POSTs to {serviceUrl}/v3/conversations/{id}/activities[/{replyTo}]."""

    def __init__(self) -> None:
        self.turns: dict[str, TurnTiming] = {}
        self._finals: dict[str, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.received = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_put("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, activity_id: str, sent: float) -> asyncio.Future:
        self.turns[activity_id] = TurnTiming(sent=sent)
        future = asyncio.get_running_loop().create_future()
        self._finals[activity_id] = future
        return future

    async def _receive(self, request: web.Request) -> web.Response:
        now = time.perf_counter()
        body = await request.json()
        self.received += 1
        reply_to = request.match_info.get("reply_to") or body.get("replyToId") or ""
        timing = self.turns.get(reply_to)
        if timing is not None:
            stream_type = _stream_type(body)
            if body.get("type") == "message":
                if timing.final is None:
                    timing.final = now
                    text = (body.get("text") or "").strip()
                    timing.busy = text in BUSY_TEXTS
                    timing.failed = text in ERROR_TEXTS
                    timing.degraded = text.startswith(MODEL_BUSY_NOTICES)
                    timing.streamed_final = stream_type == "final"
                future = self._finals.pop(reply_to, None)
                if future is not None and not future.done():
                    future.set_result(body)
            else:
                if timing.first_update is None:
                    timing.first_update = now
                if stream_type == "streaming" and timing.first_text is None:
                    timing.first_text = now
        return web.json_response({"id": f"reply-{next(self._ids)}"})


def teams_message(service_url: str, activity_id: str, conversation: str, text: str) -> dict:
    return {
        "type": "message", "id": activity_id, "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": "2026-04-01T00:00:00Z", "locale": "ja-JP", "text": text, "textFormat": "plain",
        "from": {"id": f"user-{conversation}", "name": "職員", "aadObjectId": f"aad-{conversation}"},
        "recipient": {"id": "bot", "name": "例規ボット"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant"},
        "channelData": {"tenant": {"id": "tenant"}},
    }


@dataclass
class LevelResult:
    concurrency: int
    seconds: float
    turns: list[TurnTiming] = field(default_factory=list)
    errors: int = 0
    busy: int = 0  # turns in the window answered with the edge's "busy" refusal
    failed: int = 0  # turns in the window answered with the error apology

    @property
    def turns_per_second(self) -> float:
        return len(self.turns) / self.seconds if self.seconds else 0.0

    def latencies_ms(self) -> list[float]:
        return [(max(t.ack, t.final) - t.sent) * 1000 for t in self.turns]


async def closed_loop(url: str, connector: StandInConnector, questions: list[str], *, concurrency: int,
                      seconds: float, warm_up_seconds: float = 0.5, prefix: str = "t",
                      turn_timeout: float = 60.0, max_seconds: float = 30.0) -> LevelResult:
    """`concurrency` users asking back to back. Warm-up lasts until every user has had a turn
    answered (steady state, however slow the server); the window then runs for `seconds` and
    until it holds at least two turns per user (capped at `max_seconds`), so a slow server at
    high concurrency is measured over enough turns. Turns finishing inside the window count."""
    result = LevelResult(concurrency=concurrency, seconds=0.0)
    limits = aiohttp.TCPConnector(limit=concurrency + 8, force_close=False)
    timeout = aiohttp.ClientTimeout(total=turn_timeout)
    texts = itertools.cycle(questions)
    started = time.perf_counter()
    answered_users: set[int] = set()
    window: dict[str, float] = {}
    stop = asyncio.Event()

    def finished(user: int, timing: TurnTiming) -> None:
        now = max(timing.ack, timing.final)
        answered_users.add(user)
        if "start" not in window:
            if len(answered_users) == concurrency and now - started >= warm_up_seconds:
                window["start"] = now
            return
        if stop.is_set():
            return
        result.turns.append(timing)
        result.busy += timing.busy
        result.failed += timing.failed
        elapsed = now - window["start"]
        if (elapsed >= seconds and len(result.turns) >= 2 * concurrency) or now - started >= max_seconds:
            window["end"] = now
            stop.set()

    async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
        async def user(number: int) -> None:
            for turn in itertools.count():
                if stop.is_set():
                    return
                activity_id = f"{prefix}-{concurrency}-{number}-{turn}"
                timing = await one_turn(session, url, connector, activity_id, f"{prefix}-conv-{number}",
                                        next(texts), turn_timeout)
                if timing is None:
                    result.errors += 1
                else:
                    finished(number, timing)

        await asyncio.gather(*(user(n) for n in range(concurrency)))
    result.seconds = window.get("end", time.perf_counter()) - window.get("start", started)
    return result


async def one_turn(session: aiohttp.ClientSession, url: str, connector: StandInConnector, activity_id: str,
                   conversation: str, text: str, timeout: float) -> TurnTiming | None:
    sent = time.perf_counter()
    final = connector.expect(activity_id, sent)
    timing = connector.turns[activity_id]
    try:
        async with session.post(url, json=teams_message(connector.url, activity_id, conversation, text)) as response:
            await response.read()
            timing.ack, timing.status = time.perf_counter(), response.status
        if response.status >= 300:
            return None
        await asyncio.wait_for(final, timeout)
    except (TimeoutError, aiohttp.ClientError):
        return None
    finally:
        connector.turns.pop(activity_id, None)
    return timing


async def burst(url: str, connector: StandInConnector, questions: list[str], *, count: int,
                prefix: str = "b", timeout: float = 120.0) -> tuple[float, list[TurnTiming | None]]:
    """`count` questions sent at once (each from its own chat); returns (wall seconds, timings)."""
    limits = aiohttp.TCPConnector(limit=count + 8)
    async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        started = time.perf_counter()
        timings = await asyncio.gather(*(
            one_turn(session, url, connector, f"{prefix}-{n}", f"{prefix}-conv-{n}",
                     questions[n % len(questions)], timeout) for n in range(count)))
        return time.perf_counter() - started, list(timings)
