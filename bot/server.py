"""The HTTP edge: POST /api/messages through botbuilder's CloudAdapter, with input guards.

Order of work for each request, cheapest and most defensive first:
1. size (413), JSON, nesting depth and the shape of the fields we use (400) — bot/edge_validation;
2. authentication by our own async validator (401; 503 while the signing keys cannot be fetched),
   or, in anonymous local mode, a loopback-only serviceUrl and no trust in client-supplied ids;
3. the tenant allow-list (403);
4. only then de-duplication of Teams retries (an unauthenticated copy of a real message's id must
   not make the genuine one drop), and the turn is handed over.
Message turns run as background tasks: Teams gets its 200 at once and the reply arrives through the
connector; invokes are answered in the HTTP body. Every turn has a hard timeout that ends in a
polite message, and the tasks are awaited at shutdown.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes

from bot.activity_text import locale_language, strip_mentions
from bot.auth import (
    KeysUnavailable,
    PrefetchingCredentialFactory,
    TokenValidator,
    Unauthorized,
    authenticated_request,
)
from bot.edge_telemetry import Telemetry
from bot.edge_validation import MAX_BODY_BYTES, BadActivity, is_loopback_url, parse_body, tenant_id
from bot.connector import ConnectorAdapter, ReplyConnector
from bot.rendering import text_activity
from logs import activity_id_var, redact
from retrieval.analysis import detect_language

log = logging.getLogger(__name__)

FEEDBACK_INVOKE = "message/submitAction"
SHUTDOWN_GRACE_SECONDS = 10.0


class _Config:
    """botbuilder reads its credentials as APP_ID/APP_PASSWORD/... attributes of a config object."""

    def __init__(self, *, app_id: str, password: str, app_type: str, tenant_id: str) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = password
        self.APP_TYPE = app_type
        self.APP_TENANTID = tenant_id


def _reply_language(activity: Activity) -> str:
    text = strip_mentions(activity.text if isinstance(activity.text, str) else None)
    return detect_language(text) if text else locale_language(activity.locale)


def create_adapter(*, app_id: str, password: str, app_type: str, tenant_id: str,
                   token_timeout: float = 10.0, reply_timeout: float = 15.0) -> CloudAdapter:
    """A CloudAdapter; an empty app id runs anonymously (no outgoing token). Inbound tokens are
    checked by the edge (bot/auth.py), never by the adapter itself. Replies go out through one
    reused HTTP session with timeouts and retries (bot/connector.py), not a client per turn."""
    config = _Config(app_id=app_id, password=password, app_type=app_type, tenant_id=tenant_id)
    credentials = PrefetchingCredentialFactory(ConfigurationServiceClientCredentialFactory(config),
                                               timeout=token_timeout)
    adapter = ConnectorAdapter(ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials),
                               connector=ReplyConnector(timeout_seconds=reply_timeout),
                               token_timeout=token_timeout)

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        log.error("turn failed: %s", error.__class__.__name__, exc_info=error)
        if getattr(error, "user_informed", False):  # the bot already apologised in this turn
            return
        try:
            await turn_context.send_activity(text_activity("error", _reply_language(turn_context.activity)))
        except Exception:  # the connector itself may be what failed
            log.warning("could not send the error reply")

    adapter.on_turn_error = on_turn_error
    return adapter


class RecentIds:
    """A bounded memory of activity ids whose turn was accepted (Teams retries after ~15 s)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def seen_before(self, key: str) -> bool:
        if key in self._ids:
            return True
        self._ids[key] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return False

    def forget(self, key: str) -> None:
        """The turn crashed: a retry of it must be processed."""
        self._ids.pop(key, None)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


class MessageEdge:
    """The /api/messages handler and the background turns it started."""

    def __init__(self, *, adapter: CloudAdapter, bot, validator: TokenValidator | None,
                 allowed_tenants: tuple[str, ...] = (), turn_timeout: float = 60.0,
                 max_concurrent_turns: int = 256, log_questions: bool = False,
                 telemetry: Telemetry | None = None, reply_timeout: float = 15.0) -> None:
        self._adapter = adapter
        self._bot = bot
        self._validator = validator  # None = anonymous local mode
        self._allowed_tenants = frozenset(allowed_tenants)
        self._turn_timeout = turn_timeout
        self._reply_timeout = reply_timeout
        self._max_turns = max_concurrent_turns
        self._log_questions = log_questions
        self._telemetry = telemetry or Telemetry()
        self._recent = RecentIds()
        self._turns: set[asyncio.Task] = set()
        self._admitted = 0  # turns inside the bot now (not those still waiting to start)

    @property
    def anonymous(self) -> bool:
        return self._validator is None

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _error(413, "activity too large")
        raw = bytearray()
        while chunk := await request.content.read(64 * 1024):
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return _error(413, "activity too large")
        try:
            body = parse_body(bytes(raw))
            activity = Activity().deserialize(body)
        except BadActivity as exc:
            return _error(400, str(exc))
        except Exception:  # msrest rejects some shapes with its own errors
            return _error(400, "activity could not be read")
        token = activity_id_var.set(activity.id if isinstance(activity.id, str) else None)
        try:
            return await self._authenticated(request, body, activity)
        finally:
            activity_id_var.reset(token)

    async def _authenticated(self, request: web.Request, body: dict, activity: Activity) -> web.Response:
        claims = None
        if self._validator is None:  # anonymous
            # Local development only: replies go nowhere but this machine, and nothing the client
            # says about who it is (aadObjectId) is trusted for admin commands or group access.
            if not is_loopback_url(activity.service_url):
                log.warning("anonymous mode: refused a non-loopback serviceUrl")
                return _error(400, "anonymous mode replies only to loopback serviceUrls")
            if activity.from_property is not None:
                activity.from_property.aad_object_id = None
        else:
            try:
                claims = await self._validator.validate(
                    request.headers.get("Authorization"), channel_id=activity.channel_id,
                    service_url=activity.service_url)
            except Unauthorized as exc:
                log.info("unauthorized request: %s", exc)
                return _error(401, "unauthorized")
            except KeysUnavailable:
                return web.json_response({"error": "authentication temporarily unavailable"}, status=503,
                                         headers={"Retry-After": "30"})
        if self._allowed_tenants and tenant_id(body) not in self._allowed_tenants:
            log.info("request from a tenant outside the allow-list refused")
            return _error(403, "tenant not allowed")

        dedupe_key = None
        if activity.type == ActivityTypes.message and activity.id:
            dedupe_key = f"{activity.conversation.id}|{activity.id}"
            if self._recent.seen_before(dedupe_key):
                log.info("duplicate delivery ignored")
                return web.Response(status=200)
        auth_result = authenticated_request(self._adapter.bot_framework_authentication, claims,
                                            reply_timeout=self._reply_timeout)
        self._log_accepted(activity)

        if activity.type == ActivityTypes.invoke or activity.delivery_mode == DeliveryModes.expect_replies:
            return await self._inline_turn(auth_result, activity, dedupe_key)
        task = asyncio.create_task(self._background_turn(auth_result, activity, dedupe_key))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        return web.Response(status=200)

    def _log_accepted(self, activity: Activity) -> None:
        text = activity.text if isinstance(activity.text, str) else ""
        extra = {"activity_type": activity.type, "chars": len(text),
                 "conversation_type": getattr(activity.conversation, "conversation_type", None)}
        if self._log_questions and text:
            extra["question"] = redact(strip_mentions(text)[:2000])
        log.info("turn accepted", extra=extra)

    # -- running turns ---------------------------------------------------------------------------
    def _logic(self, activity: Activity, outcome: dict) -> Callable[[TurnContext], Awaitable[None]]:
        async def logic(turn_context: TurnContext) -> None:
            # Counted when the turn enters the bot, not when its task was created: a burst whose
            # tasks all exist before the first runs must not be refused as a whole.
            if self._admitted >= self._max_turns:
                outcome["status"] = "busy"
                await turn_context.send_activity(text_activity("busy", _reply_language(activity)))
                return
            self._admitted += 1
            try:
                await asyncio.wait_for(self._bot.on_turn(turn_context), self._turn_timeout)
            except TimeoutError:
                outcome["status"] = "timeout"
                log.warning("turn timed out after %.0f s", self._turn_timeout)
                await turn_context.send_activity(text_activity("error", _reply_language(activity)))
            except Exception:
                outcome["status"] = "error"
                raise  # the adapter's on_turn_error logs it and tells the user
            finally:
                self._admitted -= 1

        return logic

    async def _run(self, auth_result, activity: Activity, dedupe_key: str | None):
        outcome = {"status": "ok"}
        started = time.perf_counter()
        response = None
        try:
            # the outer bound also covers sending the polite timeout message itself
            response = await asyncio.wait_for(
                self._adapter.process_activity(auth_result, activity, self._logic(activity, outcome)),
                self._turn_timeout + 15)
        except BaseException:
            outcome["status"] = "crashed" if outcome["status"] == "ok" else outcome["status"]
            raise
        finally:
            if outcome["status"] in ("error", "crashed") and dedupe_key:
                self._recent.forget(dedupe_key)
            elapsed = time.perf_counter() - started
            self._telemetry.turn_finished(activity.type, outcome["status"], elapsed)
            if activity.type == ActivityTypes.invoke and activity.name == FEEDBACK_INVOKE:
                self._telemetry.feedback_received()
            log.info("turn finished", extra={"outcome": outcome["status"], "duration_ms": round(elapsed * 1000)})
        return response

    async def _background_turn(self, auth_result, activity: Activity, dedupe_key: str | None) -> None:
        try:
            await self._run(auth_result, activity, dedupe_key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("turn crashed outside the bot")

    async def _inline_turn(self, auth_result, activity: Activity, dedupe_key: str | None) -> web.Response:
        try:
            response = await self._run(auth_result, activity, dedupe_key)
        except TimeoutError:
            return _error(503, "the turn timed out")
        except Exception:
            log.exception("turn crashed outside the bot")
            return _error(500, "internal error")
        if response is None:
            return web.Response(status=200)
        if response.status == 501:  # an invoke nobody handles: a well-formed "nothing to do"
            return web.json_response({}, status=200)
        body = response.body if response.body is not None else {}
        if hasattr(body, "serialize"):  # botbuilder models (e.g. AdaptiveCardInvokeResponse)
            try:
                body = body.serialize()
            except Exception:  # botbuilder puts an Exception object in its own error responses
                body = {"statusCode": response.status, "type": "application/vnd.microsoft.error",
                        "value": {"code": "BadRequest", "message": "this action is not supported"}}
        return web.json_response(body, status=response.status)

    async def drain(self, timeout: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """At shutdown: let running turns finish (bounded), then cancel what is left."""
        if not self._turns:
            return
        done, pending = await asyncio.wait(set(self._turns), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def running_turns(self) -> int:
        return len(self._turns)

