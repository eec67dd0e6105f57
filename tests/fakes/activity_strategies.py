"""Hypothesis strategies for Bot Framework activities, from well-formed Teams messages to garbage:
shared by the property test in the suite and `bench/fuzz_messages.py`."""
from __future__ import annotations

import json

from hypothesis import strategies as st

TYPES = ["message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "event",
         "typing", "endOfConversation", "messageUpdate", "messageDelete", "unknownType"]
INVOKE_NAMES = ["message/submitAction", "adaptiveCard/action", "composeExtension/query", "task/fetch",
                "signin/verifyState", "config/fetch", "actionableMessage/executeAction", "unknown/invoke"]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
                      st.text(max_size=40))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)

texts = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["年次休暇は何日ですか", "/help", "/status", "/reindex", "/reset", "こんにちは", "ok", "1",
                     "<at>例規ボット</at> 育休はいつまで？", "電話090-1234-5678", "&nbsp;", "<at>", "<<<<", ""]),
    st.builds(lambda a, n: a * n, st.sampled_from(["<at>", "<", "a@", "あ", "０"]), st.integers(1, 3000)),
)
accounts = st.one_of(
    st.fixed_dictionaries({"id": st.text(min_size=1, max_size=20)},
                          optional={"name": st.text(max_size=20), "aadObjectId": st.text(max_size=40),
                                    "role": st.sampled_from(["user", "bot"])}),
    json_value)


def activities(service_url: str):
    """Dicts that look like Teams activities; any field may be missing, mistyped or garbage."""
    well_formed = st.fixed_dictionaries({
        "type": st.one_of(st.sampled_from(TYPES), json_value),
        "id": st.one_of(st.text(min_size=1, max_size=30), json_value),
        "channelId": st.sampled_from(["msteams", "webchat", "emulator"]),
        "serviceUrl": st.one_of(st.just(service_url), st.just(service_url), st.just(service_url),
                                st.sampled_from(["http://169.254.169.254/", "ftp://x", "http://[::1", ""]),
                                json_value),
        "conversation": st.one_of(
            st.fixed_dictionaries({"id": st.text(min_size=1, max_size=20)},
                                  optional={"conversationType": st.sampled_from(["personal", "groupChat", "channel"]),
                                            "tenantId": st.text(max_size=10)}),
            json_value),
        "from": accounts,
        "recipient": accounts,
    }, optional={
        "text": st.one_of(texts, json_value),
        "locale": st.one_of(st.sampled_from(["ja-JP", "en-US", "xx"]), json_value),
        "name": st.one_of(st.sampled_from(INVOKE_NAMES), json_value),
        "value": json_value,
        "replyToId": st.one_of(st.text(max_size=20), json_value),
        "channelData": st.one_of(st.fixed_dictionaries({"tenant": st.fixed_dictionaries({"id": st.text(max_size=10)})}),
                                 json_value),
        "entities": st.one_of(st.lists(st.dictionaries(st.text(max_size=8), json_value, max_size=3), max_size=3),
                              json_value),
        "attachments": st.one_of(st.lists(st.dictionaries(st.text(max_size=8), json_value, max_size=3), max_size=2),
                                 json_value),
        "membersAdded": st.one_of(st.lists(accounts, max_size=3), json_value),
        "membersRemoved": st.one_of(st.lists(accounts, max_size=3), json_value),
        "deliveryMode": st.one_of(st.sampled_from(["normal", "expectReplies"]), json_value),
        "timestamp": st.one_of(st.just("2026-11-27T00:00:00Z"), json_value),
    })
    return well_formed


def typed_activities(service_url: str):
    """Activities whose fields all have the right types, with random content: these reach the bot."""
    user = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=20)},
                                 optional={"name": st.text(max_size=20), "aadObjectId": st.text(max_size=40)})
    return st.fixed_dictionaries({
        "type": st.one_of(st.just("message"), st.just("message"), st.just("message"), st.sampled_from(TYPES)),
        "id": st.one_of(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=30),
                        st.text(min_size=1, max_size=30)),
        "channelId": st.sampled_from(["msteams", "webchat"]),
        "serviceUrl": st.just(service_url),
        "conversation": st.fixed_dictionaries(
            {"id": st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=40)},
            optional={"conversationType": st.sampled_from(["personal", "groupChat", "channel"])}),
        "from": user,
        "recipient": st.just({"id": "28:bot", "name": "例規ボット"}),
    }, optional={
        "text": texts,
        "locale": st.sampled_from(["ja-JP", "en-US", "xx"]),
        "name": st.sampled_from(INVOKE_NAMES),
        "value": st.dictionaries(st.sampled_from(["actionName", "actionValue", "action", "data", "x"]),
                                 st.one_of(json_value, st.fixed_dictionaries({
                                     "reaction": st.sampled_from(["like", "dislike", "?"]),
                                     "feedback": st.one_of(st.text(max_size=50), json_value.map(json.dumps))})),
                                 max_size=3),
        "replyToId": st.text(max_size=20),
        "entities": st.lists(st.dictionaries(st.sampled_from(["type", "text", "mentioned"]), json_value, max_size=3),
                             max_size=2),
        "membersAdded": st.lists(user, max_size=3),
        "membersRemoved": st.lists(user, max_size=2),
        "channelData": st.dictionaries(st.sampled_from(["tenant", "team", "channel", "x"]), json_value, max_size=2),
        "attachments": st.lists(st.fixed_dictionaries({"contentType": st.text(max_size=20)},
                                                      optional={"content": json_value}), max_size=2),
    })


def bodies(service_url: str):
    """Request bodies: mostly JSON activities, sometimes raw bytes or other JSON."""
    return st.one_of(
        typed_activities(service_url).map(lambda a: json.dumps(a).encode()),
        typed_activities(service_url).map(lambda a: json.dumps(a).encode()),
        typed_activities(service_url).map(lambda a: json.dumps(a).encode()),
        activities(service_url).map(lambda a: json.dumps(a).encode()),
        json_value.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    )
