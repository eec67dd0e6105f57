"""The answer pipeline's CPU worker (retrieval/cpu_work.py): off the event loop, one thread, and
otherwise like asyncio.to_thread."""
import asyncio
import contextvars
import threading
import time

import pytest

from retrieval.cpu_work import run_cpu

REQUEST_ID = contextvars.ContextVar("request_id", default=None)


def busy(seconds: float) -> str:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return threading.current_thread().name


async def test_work_runs_on_one_worker_thread_while_the_loop_keeps_going():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        names = await asyncio.gather(*[run_cpu(busy, 0.02) for _ in range(10)])
    finally:
        ticking.cancel()
    assert len(set(names)) == 1 and names[0] != threading.current_thread().name
    assert ticks >= 5  # 0.2 s of work, and the loop still ran its timers meanwhile


async def test_errors_and_context_variables_cross_like_to_thread():
    REQUEST_ID.set("turn-7")
    assert await run_cpu(REQUEST_ID.get) == "turn-7"
    with pytest.raises(ZeroDivisionError):
        await run_cpu(lambda: 1 / 0)
    assert await run_cpu(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]
