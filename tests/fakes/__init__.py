"""Local HTTP protocol fakes of external services (Azure AI Search, Azure OpenAI, ...).

These are FAKES, not the services: small aiohttp servers on loopback that speak just enough of
each REST protocol for the real SDK clients to run end to end in tests.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from collections.abc import Iterator

from aiohttp import web


@contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 from a background thread (so synchronous SDK clients may call it
    from the test's thread); yields the base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict = {}

    async def start() -> None:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["runner"] = runner
        state["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # reported to the test thread below
            state["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(state["runner"].cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="fake-http", daemon=True)
    thread.start()
    started.wait(10)
    if "error" in state:
        raise state["error"]
    try:
        yield f"http://127.0.0.1:{state['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
