"""The answer pipeline's CPU work (ranking, extractive quoting, token counting) on one worker thread.

Python runs one thread at a time. CPU-bound work spread over the event loop's default pool (six
threads on two cores) gains nothing from the extra threads and loses to their contention for the
interpreter: with 200 questions at once, their searches and extractive answers took ~0.9 s of wall
time (1.2 s of CPU) on the default pool and ~0.5 s on one thread, and the whole burst went from
~1.55x to ~1.4x one question's time (bench/in_flight.py). The event loop stays free either way, and
the number of questions in flight is not capped: waiting for the model holds no thread. Blocking
I/O (token fetches, reindexing, the conversation store) stays on the default pool, where a slow
call cannot hold up answers.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer-cpu")


async def run_cpu(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """`func(*args, **kwargs)` on the CPU worker, like `asyncio.to_thread` (context variables too)."""
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_worker, call)
