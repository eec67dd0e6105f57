"""A short property-based fuzz of POST /api/messages (the long run is bench/fuzz_messages.py):
whatever the body, the answer is never a 5xx."""
import asyncio

import aiohttp
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings

from app import create_app
from tests.fakes.activity_strategies import bodies
from tests.test_http import ConnectorReceiver


def test_no_body_gets_a_5xx(services):
    loop = asyncio.new_event_loop()
    receiver = ConnectorReceiver()
    server = TestServer(create_app(services.settings, services))
    loop.run_until_complete(receiver.server.start_server())
    loop.run_until_complete(server.start_server())
    session = loop.run_until_complete(_session())
    url = server.make_url("/api/messages")
    statuses = []

    async def send(body: bytes) -> int:
        async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
            await resp.read()
            return resp.status

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=bodies(receiver.url))
    def check(body):
        status = loop.run_until_complete(send(body))
        statuses.append(status)
        assert status < 500, body[:300]

    try:
        check()
    finally:
        loop.run_until_complete(session.close())
        loop.run_until_complete(server.close())  # awaits the background turns too
        loop.run_until_complete(receiver.server.close())
        loop.close()
    assert len(statuses) >= 200 and 200 in statuses and 400 in statuses


async def _session():
    return aiohttp.ClientSession()
