"""A loop-lag monitor: how late a short sleep wakes up is how long the event loop was blocked.

Runs as one background task; /healthz reports the worst lag since the previous report, so a load
test (or an operator) sees a frozen loop as a number instead of a hunch.
"""
from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.05
WARN_SECONDS = 0.5


class LoopLagMonitor:
    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        self._interval = interval
        self._worst_since_report = 0.0
        self.worst_ever = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self._interval)
            lag = time.perf_counter() - started - self._interval
            if lag > self._worst_since_report:
                self._worst_since_report = lag
                self.worst_ever = max(self.worst_ever, lag)
            if lag > WARN_SECONDS:
                log.warning("event loop was blocked for %.0f ms", lag * 1000)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def report(self) -> float:
        """Worst lag (seconds) since the previous call."""
        worst, self._worst_since_report = self._worst_since_report, 0.0
        return worst
