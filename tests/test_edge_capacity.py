"""The edge's concurrency cap counts turns inside the bot, not turns whose task merely exists: a
burst of messages arriving together is answered up to the cap, and only the rest hear "busy"."""
import asyncio

from app import create_app
from prompts import messages as texts
from tests.test_edge_hostile import start, wait_for_messages
from tests.test_http import post, teams_message

BUSY = texts("ja")["busy"]


async def burst(server, receiver, count: int) -> list[dict]:
    url = str(server.make_url("/api/messages"))
    statuses = await asyncio.gather(*(
        post(url, teams_message(receiver.url, "年次休暇は何日ですか", activity_id=f"burst-{n}"))
        for n in range(count)))
    assert all(status == 200 for status, _ in statuses)
    return await wait_for_messages(receiver, count, timeout=15)


async def test_a_burst_over_the_cap_is_answered_up_to_the_cap(services, receiver, slow_answers):
    slow_answers["delay"] = 0.5  # every admitted turn is still running when the last one arrives
    settings = services.settings.model_copy(update={"max_concurrent_turns": 3})
    server = await start(create_app(settings, services))
    try:
        replies = await burst(server, receiver, 8)
    finally:
        await server.close()
    busy = [r for r in replies if r["text"] == BUSY]
    answered = [r for r in replies if "[1]" in r["text"]]
    assert len(replies) == 8 and len(busy) == 5 and len(answered) == 3


async def test_the_default_cap_answers_a_burst_of_forty(services, receiver, slow_answers):
    slow_answers["delay"] = 0.5
    server = await start(create_app(services.settings, services))
    try:
        replies = await burst(server, receiver, 40)
    finally:
        await server.close()
    assert len(replies) == 40 and not [r for r in replies if r["text"] == BUSY]
