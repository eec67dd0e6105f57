"""Checks on a raw request body before botbuilder sees it: size, nesting, and the shape of the fields
the bot relies on. Anything that fails gets a 400 with a short reason, never a 500 or a traceback.

botbuilder's deserializer (msrest) accepts many wrong shapes silently (`membersAdded: [null]`,
a number as serviceUrl) and the turn then fails deep inside the SDK; checking the few fields we use
here keeps those failures at the door. All checks are iterative and linear in the body size.
"""
from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import urlsplit

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 64  # real Teams activities nest < 10 levels; 1,000-deep JSON is an attack
MAX_ID_CHARS = 1024
# Teams' feedback box takes a few hundred characters; far longer "feedback" only costs redaction
# and storage, so it is refused at the door.
MAX_FEEDBACK_CHARS = 16_000
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # valid in JSON escapes, unencodable as UTF-8
# Ids travel into the connector's URL paths and headers (botbuilder does not always escape them): a
# newline in an activity id would split the outgoing request. Teams' ids are printable ASCII.
_ID_CHARS = re.compile(r"[\x20-\x7e]+")


class BadActivity(ValueError):
    """The body is not an activity this bot can take; the message is safe to return to the client."""


def parse_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadActivity("body is not valid JSON") from None
    depth, bad_text = _walk(body)
    if depth > MAX_DEPTH:
        raise BadActivity("body is nested too deeply")
    if bad_text:
        raise BadActivity("body contains invalid Unicode (lone surrogates)")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise BadActivity("body is not a Bot Framework activity")
    _check_shape(body)
    return body


def _walk(value) -> tuple[int, bool]:
    """(nesting depth, whether any string holds a lone surrogate), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return deepest, False
        if isinstance(item, dict):
            for key, child in item.items():
                if _LONE_SURROGATE.search(key):
                    return deepest, True
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _LONE_SURROGATE.search(item):
            return deepest, True
    return deepest, False


_OPTIONAL_STRINGS = ("id", "text", "name", "locale", "channelId", "replyToId", "textFormat", "deliveryMode",
                     "timestamp", "localTimestamp", "summary", "inputHint", "speak", "action")
_OPTIONAL_OBJECTS = ("channelData", "relatesTo", "suggestedActions")
_ACCOUNTS = ("from", "recipient")
_ACCOUNT_LISTS = ("membersAdded", "membersRemoved")
_OBJECT_LISTS = ("entities", "attachments", "reactionsAdded", "reactionsRemoved")


def _check_shape(body: dict) -> None:
    service_url = body.get("serviceUrl")
    conversation = body.get("conversation")
    if not isinstance(service_url, str) or not service_url or not isinstance(conversation, dict) \
            or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        raise BadActivity("activity lacks serviceUrl or conversation")
    for name, value in (("conversation id", conversation["id"]), ("id", body.get("id")),
                        ("replyToId", body.get("replyToId"))):
        if isinstance(value, str) and (len(value) > MAX_ID_CHARS or not _ID_CHARS.fullmatch(value)):
            raise BadActivity(f"{name} must be printable ASCII")
    try:
        parts = urlsplit(service_url)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        raise BadActivity("serviceUrl is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadActivity("serviceUrl is not an http(s) URL")
    for key in _OPTIONAL_STRINGS:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise BadActivity(f"{key} must be a string")
    for key in _OPTIONAL_OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise BadActivity(f"{key} must be an object")
    for key in _ACCOUNTS:
        if body.get(key) is not None and not _is_account(body[key]):
            raise BadActivity(f"{key} must be an account with a string id")
    for key in _ACCOUNT_LISTS:
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(_is_account(a) for a in value)):
            raise BadActivity(f"{key} must be a list of accounts")
    for key in _OBJECT_LISTS:
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise BadActivity(f"{key} must be a list of objects")
    if body["type"] == "invoke" and body.get("name") == "message/submitAction" and isinstance(body.get("value"), dict):
        action = body["value"].get("actionValue")
        feedback = action.get("feedback") if isinstance(action, dict) else None
        if isinstance(feedback, str) and len(feedback) > MAX_FEEDBACK_CHARS:
            raise BadActivity("feedback too long")


def _is_account(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and \
        all(value.get(k) is None or isinstance(value[k], str) for k in ("name", "aadObjectId", "role"))


def tenant_id(body: dict) -> str | None:
    """The Entra tenant Teams says the message comes from (channelData.tenant.id)."""
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    value = tenant.get("id") if isinstance(tenant, dict) else None
    if value is None:
        value = body["conversation"].get("tenantId")
    return value if isinstance(value, str) else None


def is_loopback_url(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
