"""The HTTP edge: POST /api/messages through botbuilder's CloudAdapter, with input guards.

Malformed JSON, non-activities and activities without a conversation get a 400 and no turn; a bad
or missing token gets a 401 (botbuilder raises PermissionError, which aiohttp would turn into a
500). Teams re-sends a message it thinks went unanswered, so message ids are de-duplicated.
"""
from __future__ import annotations

import json
import logging
from collections import OrderedDict

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes

from bot.activity_text import strip_mentions
from bot.connector import ConnectorAdapter
from bot.rendering import text_activity
from retrieval.analysis import detect_language

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


class _Config:
    """botbuilder reads its credentials as APP_ID/APP_PASSWORD/... attributes of a config object."""

    def __init__(self, *, app_id: str, password: str, app_type: str, tenant_id: str) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = password
        self.APP_TYPE = app_type
        self.APP_TENANTID = tenant_id


def create_adapter(*, app_id: str, password: str, app_type: str, tenant_id: str) -> CloudAdapter:
    """A CloudAdapter; an empty app id runs anonymously (no JWT check, no outgoing token).
    Replies go out through one reused HTTP session (bot/connector.py), not a client per turn."""
    config = _Config(app_id=app_id, password=password, app_type=app_type, tenant_id=tenant_id)
    adapter = ConnectorAdapter(ConfigurationBotFrameworkAuthentication(config))

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        log.error("turn failed activity=%s: %s", turn_context.activity.id, error.__class__.__name__,
                  exc_info=error)
        language = detect_language(strip_mentions(turn_context.activity.text)) or "ja"
        try:
            await turn_context.send_activity(text_activity("error", language))
        except Exception:  # the connector itself may be what failed
            log.warning("could not send the error reply for activity=%s", turn_context.activity.id)

    adapter.on_turn_error = on_turn_error
    return adapter


class RecentIds:
    """A bounded memory of activity ids already handled (Teams retries after ~15 s)."""

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


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def messages_handler(adapter: CloudAdapter, bot) -> web.RequestHandler:
    recent = RecentIds()

    async def handle(request: web.Request) -> web.Response:
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "activity too large"}, status=413)
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            return _bad_request("body is not valid JSON")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return _bad_request("body is not a Bot Framework activity")
        try:
            activity = Activity().deserialize(body)
        except Exception:
            return _bad_request("activity could not be read")
        if not activity.service_url or not activity.conversation or not activity.conversation.id:
            return _bad_request("activity lacks serviceUrl or conversation")
        if activity.type == ActivityTypes.message and activity.id:
            if recent.seen_before(f"{activity.conversation.id}|{activity.id}"):
                log.info("duplicate delivery of activity=%s ignored", activity.id)
                return web.Response(status=200)
        try:
            response = await adapter.process_activity(
                request.headers.get("Authorization", ""), activity, bot.on_turn)
        except PermissionError:
            return web.json_response({"error": "unauthorized"}, status=401)
        if response is not None:
            return web.json_response(response.body, status=response.status)
        return web.Response(status=200)

    return handle
