"""Outgoing replies over one reused aiohttp session, instead of botbuilder's per-turn connector.

Profiled on the stock CloudAdapter (bench/bot_turns.py --profile), an echo turn spends most of its
time not in the bot but in the reply: the connector factory builds a new msrest ConnectorClient per
turn, whose HTTP sender is `requests` run in the default thread pool (6 threads on 2 cores), with a
new TCP connection per turn. `ReplyConnector` posts the same Bot Framework REST calls
(`/v3/conversations/{id}/activities[/{replyToId}]`) through one `aiohttp.ClientSession` for the
life of the app: pooled keep-alive connections, no thread hop, a timeout on every call, bounded
concurrency, and retries with back-off on 429/5xx that honour Retry-After.

`ConnectorAdapter` is a CloudAdapter that sends through it; everything else (authentication of
incoming requests, turn context, invoke responses, proactive messages) stays botbuilder's.
"""
from __future__ import annotations

import asyncio
import logging
import random
from enum import Enum
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector import Channels
from msrest.serialization import Model

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 10.0


class ConnectorError(Exception):
    """The channel refused a reply (after retries, when the status was retryable)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"connector answered HTTP {status}: {body[:200]}")
        self.status = status


class ReplyConnector:
    """One HTTP session for every outgoing Bot Framework call of the process."""

    def __init__(self, *, timeout_seconds: float = 15.0, connect_timeout_seconds: float = 5.0,
                 max_in_flight: int = 64, attempts: int = 3, backoff_seconds: float = 0.5,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds, connect=connect_timeout_seconds)
        self._max_in_flight = max_in_flight
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None

    def _ready(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        # Made on first use, inside the running loop the app serves on.
        if self._session is None or self._session.closed or self._slots is None:
            connector = aiohttp.TCPConnector(limit=self._max_in_flight, limit_per_host=self._max_in_flight,
                                             ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
            self._slots = asyncio.Semaphore(self._max_in_flight)
        return self._session, self._slots

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def send(self, service_url: str, conversation_id: str, body: dict, *,
                   reply_to_id: str | None = None, token: str | None = None) -> dict:
        """POST an activity: a reply to `reply_to_id`, or a new message in the conversation."""
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities"
        if reply_to_id:
            path += f"/{quote(reply_to_id, safe='')}"
        return await self._call("POST", _join(service_url, path), body, conversation_id, token)

    async def update(self, service_url: str, conversation_id: str, activity_id: str, body: dict, *,
                     token: str | None = None) -> dict:
        """PUT an activity that was sent before (e.g. an edited message)."""
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(activity_id, safe='')}"
        return await self._call("PUT", _join(service_url, path), body, conversation_id, token)

    async def _call(self, method: str, url: str, body: dict, conversation_id: str, token: str | None) -> dict:
        session, slots = self._ready()
        headers = {"x-ms-conversation-id": conversation_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(1, self._attempts + 1):
            async with slots:
                async with session.request(method, url, json=body, headers=headers) as response:
                    if response.status < 300:
                        if response.content_length == 0:
                            return {}
                        try:
                            payload = await response.json(content_type=None)
                        except ValueError:
                            payload = None
                        return payload if isinstance(payload, dict) else {}
                    text = await response.text()
                    retry_after = response.headers.get("Retry-After")
            if response.status not in RETRY_STATUSES or attempt == self._attempts:
                raise ConnectorError(response.status, text)
            delay = _retry_delay(retry_after, self._backoff * 2 ** (attempt - 1))
            log.warning("connector answered %d; retry %d in %.1f s", response.status, attempt, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")


def _join(service_url: str, path: str) -> str:
    return service_url.rstrip("/") + "/" + path


def _retry_delay(retry_after: str | None, backoff: float) -> float:
    """Retry-After in seconds when the channel says so (capped), else back-off with jitter."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            pass  # an HTTP date: rare from the Bot Connector; fall back to our own back-off
    return backoff * (1 + random.random() / 4)  # noqa: S311  # nosec B311  # retry jitter, not a secret


class _CachedConnectorFactory:
    """Hands out one ConnectorClient per (service URL, audience) instead of one per turn.

    botbuilder still expects a ConnectorClient in the turn state (update/delete, members); building
    one costs msrest serializer set-up and a `requests` session every turn, and most turns never
    use it now that replies go through ReplyConnector.
    """

    def __init__(self, cache: dict) -> None:
        self._cache = cache
        self._inner: Any = None  # botbuilder's connector factory, set by wrap()

    def wrap(self, inner):
        self._inner = inner
        return self

    async def create(self, service_url: str, audience: str | None = None):
        key = (service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if len(self._cache) >= 256:  # a bot talks to a handful of service URLs
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = client
        return client


class _CachedUserTokenClients:
    """botbuilder's authentication, but one user-token client per bot identity, not per turn.

    CloudAdapter builds a UserTokenClient (an msrest client) for every incoming activity; msrest's
    retry-policy set-up alone scans ~500k integers (msrest ClientRetryPolicy), which profiled as
    ~45% of the event loop's time under load. This bot never uses OAuth sign-in, and where a bot
    does, the client is bound to the app's credentials, which do not change between turns.
    """

    def __init__(self, inner) -> None:
        self._inner = inner
        self._clients: dict = {}

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    async def create_user_token_client(self, claims_identity):
        claims = getattr(claims_identity, "claims", None) or {}
        key = (claims.get("aud"), claims.get("appid"), claims.get("azp"),
               getattr(claims_identity, "is_authenticated", None))
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            if len(self._clients) >= 64:
                self._clients.pop(next(iter(self._clients)))
            self._clients[key] = client
        return client


class ConnectorAdapter(CloudAdapter):
    """A CloudAdapter whose outgoing messages go through one shared ReplyConnector."""

    def __init__(self, bot_framework_authentication, *, connector: ReplyConnector | None = None,
                 token_timeout: float = 10.0) -> None:
        super().__init__(_CachedUserTokenClients(bot_framework_authentication))
        self.connector = connector or ReplyConnector()
        self._token_timeout = token_timeout
        self._clients: dict = {}

    async def process_activity(self, auth_header_or_authenticate_request_result, activity: Activity,
                               logic: Callable[[TurnContext], Awaitable]):
        result = auth_header_or_authenticate_request_result
        if isinstance(result, str):
            result = await self.bot_framework_authentication.authenticate_request(activity, result)
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(self._clients).wrap(result.connector_factory)
        return await super().process_activity(result, activity, logic)

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        if not activities:
            raise TypeError("Expecting one or more activities, but the list was empty.")
        responses = []
        for activity in activities:
            if activity.type in ("delay", ActivityTypes.invoke_response) or (
                    activity.type == ActivityTypes.trace and activity.channel_id != Channels.emulator):
                # botbuilder's own bookkeeping (invoke responses live in the turn state)
                responses.extend(await super().send_activities(context, [activity]))
                continue
            activity.id = None
            token = await _bearer_token(context, self.BOT_CONNECTOR_CLIENT_KEY, self._token_timeout)
            sent = await self.connector.send(activity.service_url, activity.conversation.id,
                                             activity_json(activity), reply_to_id=activity.reply_to_id,
                                             token=token)
            responses.append(ResourceResponse(id=sent.get("id") or ""))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity):
        token = await _bearer_token(context, self.BOT_CONNECTOR_CLIENT_KEY, self._token_timeout)
        sent = await self.connector.update(activity.service_url, activity.conversation.id, activity.id,
                                           activity_json(activity), token=token)
        return ResourceResponse(id=sent.get("id") or activity.id)


async def _bearer_token(context: TurnContext, client_key: str, timeout: float) -> str | None:
    """The outgoing token of the turn's credentials; None when running anonymously."""
    client: Any = context.turn_state.get(client_key)
    credentials = getattr(getattr(client, "config", None), "credentials", None)
    if credentials is None or not getattr(credentials, "microsoft_app_id", None):
        return None
    # MSAL caches the token; the first call (and each refresh) goes over the network, so off the loop.
    return await asyncio.wait_for(asyncio.to_thread(credentials.get_access_token), timeout)


class _NeedsMsrest(Exception):
    pass


_PLAIN_TYPES = (str, int, float, bool)
_FIELDS: dict[type, list[tuple[str, str, bool]] | None] = {}
# msrest formats these itself (dates, base64); an activity holding one is serialized by msrest.
_MSREST_FORMATTED = {"iso-8601", "rfc-1123", "unix-time", "date", "time", "duration", "bytearray", "base64",
                     "decimal", "long"}


def activity_json(activity: Activity) -> dict:
    """The activity's JSON body, as msrest's `serialize()` writes it, ~10x faster.

    msrest spent ~0.9 ms per reply here (type dispatch and validation per attribute). Outgoing
    replies are plain strings, numbers, lists and nested models, so they are walked directly;
    anything msrest formats itself (a datetime, bytes) falls back to msrest.
    """
    try:
        return _plain(activity)
    except _NeedsMsrest:
        return activity.serialize()


def _fields(cls: type[Model]) -> list[tuple[str, str, bool]]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = []
        for attr, spec in cls._attribute_map.items():
            if not spec["key"] or "." in spec["key"]:  # flattened / additional properties
                fields = None
                break
            fields.append((attr, spec["key"], spec["type"].strip("[]{}") in _MSREST_FORMATTED))
        _FIELDS[cls] = fields
    if fields is None:
        raise _NeedsMsrest
    return fields


def _plain(value):
    if value is None or isinstance(value, _PLAIN_TYPES) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Model):
        out = {}
        for attr, key, formatted in _fields(type(value)):
            item = getattr(value, attr, None)
            if item is None:
                continue
            if formatted:
                raise _NeedsMsrest
            out[key] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    raise _NeedsMsrest
