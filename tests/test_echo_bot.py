"""The benchmark floor (bot/echo_bot.py) serves on the same HTTP edge as the app, with botbuilder's
stock adapter and with ours."""
import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.echo_bot import create_echo_app


@pytest.mark.parametrize("stock_adapter", [True, False])
async def test_echo_app_answers_a_message_through_the_edge(stock_adapter):
    posted: list[dict] = []
    arrived = asyncio.Event()

    async def record(request):
        posted.append(await request.json())
        arrived.set()
        return web.json_response({"id": "reply-1"})

    receiver_app = web.Application()
    receiver_app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", record)
    receiver = TestServer(receiver_app)
    bot = TestServer(create_echo_app(stock_adapter=stock_adapter))
    await receiver.start_server()
    await bot.start_server()
    try:
        activity = {"type": "message", "id": "act-1", "channelId": "msteams", "text": "こんにちは",
                    "serviceUrl": str(receiver.make_url("")).rstrip("/"),
                    "from": {"id": "29:user"}, "recipient": {"id": "28:bot"}, "conversation": {"id": "a:conv-1"}}
        async with aiohttp.ClientSession() as session:
            async with session.post(bot.make_url("/api/messages"), data=json.dumps(activity),
                                    headers={"Content-Type": "application/json"}) as resp:
                assert resp.status == 200
        await asyncio.wait_for(arrived.wait(), 10)
        assert posted[0]["text"] == "Echo: こんにちは"
        assert posted[0]["replyToId"] == "act-1"
    finally:
        await bot.close()
        await receiver.close()
