"""Inbound authentication over real HTTP: keys generated here, OpenID metadata and JWKS served on
loopback, every forged or mis-scoped token refused with 401 (never 500), a valid one processed."""
import asyncio
import time

import jwt
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from app import create_app
from tests.fakes.bot_framework_tokens import APP_ID, APP_PASSWORD, new_key, unsigned_token
from tests.test_http import teams_message

OUTBOUND_TOKEN = "outbound-token-from-a-stand-in-for-entra"


@pytest.fixture(autouse=True)
def no_entra(monkeypatch):
    """Outgoing replies need an Entra token; there is no Entra here, so a fixed one stands in."""
    from botframework.connector.auth import MicrosoftAppCredentials

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: OUTBOUND_TOKEN)


def auth_settings(services, openid, **extra):
    return services.settings.model_copy(update={
        "microsoft_app_id": APP_ID, "microsoft_app_password": SecretStr(APP_PASSWORD),
        "openid_metadata_url": openid.metadata_url, "auth_fetch_timeout_seconds": 2.0, **extra})


@pytest.fixture
async def bot(services, openid):
    server = TestServer(create_app(auth_settings(services, openid), services))
    await server.start_server()
    yield str(server.make_url("/api/messages"))
    await server.close()


async def post_with(url, body, authorization):
    import json

    import aiohttp
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=json.dumps(body), headers=headers) as resp:
            return resp.status, await resp.text()


def forged(openid, service_url):
    now = int(time.time())
    return {
        "missing header": None,
        "garbage": "Bearer not-a-jwt",
        "not bearer": "Basic " + openid.token(service_url),
        "alg none": "Bearer " + unsigned_token(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": service_url,
             "exp": now + 3600}, {"alg": "none", "kid": openid.kid}),
        "unknown kid": "Bearer " + openid.token(service_url, key=new_key(), kid="not-a-key"),
        "wrong key": "Bearer " + openid.token(service_url, key=new_key()),
        "HS256 with the password": "Bearer " + jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": service_url, "exp": now + 3600},
            APP_PASSWORD, algorithm="HS256", headers={"kid": openid.kid}),
        "expired": "Bearer " + openid.token(service_url, exp=now - 3600, nbf=now - 7200),
        "not yet valid": "Bearer " + openid.token(service_url, nbf=now + 3600, exp=now + 7200),
        "wrong audience": "Bearer " + openid.token(service_url, aud="someone-else"),
        "wrong issuer": "Bearer " + openid.token(service_url, iss="https://evil.example"),
        "serviceUrl mismatch": "Bearer " + openid.token("https://smba.trafficmanager.net/evil/"),
        "no serviceUrl claim": "Bearer " + openid.token(service_url, serviceurl=None),
    }


async def final_messages(receiver, timeout: float = 10.0) -> list[dict]:
    """The message activities posted so far, once at least one arrived (1:1 chats stream: typing
    updates come first, then the final message)."""
    for _ in range(int(timeout / 0.05)):
        finals = [posted for posted in receiver.posted if posted["type"] == "message"]
        if finals:
            return finals
        await asyncio.sleep(0.05)
    return []


MATRIX = [
    "missing header", "garbage", "not bearer", "alg none", "unknown kid", "wrong key", "HS256 with the password",
    "expired", "not yet valid", "wrong audience", "wrong issuer", "serviceUrl mismatch", "no serviceUrl claim"]


@pytest.mark.parametrize("case", MATRIX)
async def test_forged_or_misdirected_tokens_get_401(bot, openid, receiver, case):
    header = forged(openid, receiver.url)[case]
    activity = teams_message(receiver.url, "年次休暇は何日ですか", activity_id="m-" + case.replace(" ", "-"))
    status, body = await post_with(bot, activity, header)
    assert status == 401, (case, status, body)
    await asyncio.sleep(0.1)
    assert receiver.posted == []


async def test_valid_token_is_processed_and_the_reply_carries_the_outbound_token(bot, openid, receiver):
    status, _ = await post_with(bot, teams_message(receiver.url, "年次休暇は何日ですか", activity_id="ok-1"),
                                "Bearer " + openid.token(receiver.url))
    assert status == 200
    finals = await final_messages(receiver)
    assert finals and "[1]" in finals[0]["text"]
    assert all(header["Authorization"] == f"Bearer {OUTBOUND_TOKEN}" for header in receiver.headers)


async def test_keys_are_fetched_once_for_many_requests(bot, openid, receiver):
    for n in range(5):
        await post_with(bot, teams_message(receiver.url, "/help", activity_id=f"k-{n}"),
                        "Bearer " + openid.token(receiver.url))
    assert openid.requests == 2  # metadata + JWKS, once


async def test_unauthenticated_copy_of_a_real_id_does_not_drop_the_genuine_message(bot, openid, receiver):
    body = teams_message(receiver.url, "年次休暇は何日ですか", activity_id="genuine-1")
    for _ in range(5):
        assert (await post_with(bot, body, "Bearer forged"))[0] == 401
    assert (await post_with(bot, body, "Bearer " + openid.token(receiver.url)))[0] == 200
    assert len(await final_messages(receiver)) == 1
    # and a genuine retry of an accepted turn is still de-duplicated
    assert (await post_with(bot, body, "Bearer " + openid.token(receiver.url)))[0] == 200
    await asyncio.sleep(0.3)
    assert len([posted for posted in receiver.posted if posted["type"] == "message"]) == 1


@pytest.mark.parametrize("tenant, expected", [("tenant-allowed", 200), ("tenant-other", 403), (None, 403)])
async def test_tenant_allow_list(services, openid, receiver, tenant, expected):
    settings = auth_settings(services, openid, allowed_tenant_ids=("tenant-allowed",))
    server = TestServer(create_app(settings, services))
    await server.start_server()
    try:
        body = teams_message(receiver.url, "/help", activity_id=f"t-{tenant}")
        if tenant:
            body["channelData"] = {"tenant": {"id": tenant}}
        status, _ = await post_with(str(server.make_url("/api/messages")), body, "Bearer " + openid.token(receiver.url))
        assert status == expected
    finally:
        await server.close()


async def test_signing_keys_unavailable_is_503_and_backs_off(services, openid, receiver):
    openid.fail = True
    server = TestServer(create_app(auth_settings(services, openid), services))
    await server.start_server()
    try:
        url = str(server.make_url("/api/messages"))
        statuses = [(await post_with(url, teams_message(receiver.url, "/help", activity_id=f"f-{n}"),
                                     "Bearer " + openid.token(receiver.url)))[0] for n in range(5)]
        assert statuses == [503] * 5
        assert openid.requests == 1  # the failure is remembered: no fetch per request
    finally:
        await server.close()


async def test_admin_reindex_with_a_valid_token_reports_back_proactively(services, openid, receiver):
    admin_id = "00000000-0000-0000-0000-00000000ad01"
    settings = auth_settings(services, openid, admin_object_ids=(admin_id,))
    server = TestServer(create_app(settings, services))
    await server.start_server()
    try:
        body = teams_message(receiver.url, "/reindex", activity_id="admin-1")
        body["from"]["aadObjectId"] = admin_id
        status, _ = await post_with(str(server.make_url("/api/messages")), body, "Bearer " + openid.token(receiver.url))
        assert status == 200
        for _ in range(100):  # the summary arrives after the turn, as a proactive message
            if len(receiver.posted) >= 2:
                break
            await asyncio.sleep(0.1)
        texts = [activity["text"] for activity in receiver.posted]
        assert "開始しました" in texts[0]
        assert "完了しました" in texts[1] and "unchanged" in texts[1]
    finally:
        await server.close()
