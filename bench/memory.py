"""Server memory: RSS after warm-up with the ja-regulations index loaded, and after many turns.

    .venv/bin/python bench/memory.py [--turns 10000] [--quick]

The bot runs as `app.py serve` would (bench/bench_server.py bot, anonymous, extractive answers);
questions cycle through the ja-regulations dev set, 32 users at a time, each turn a new activity
id (so the duplicate-delivery memory and the feedback memory fill up as in production).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.common import JA_CORPUS, bench_server, eval_index, questions, rss_mb, shared_mb  # noqa: E402
from bench.loadgen import StandInConnector, one_turn  # noqa: E402


async def _turns(url: str, first: int, count: int, concurrency: int, texts: list[str]) -> tuple[int, float]:
    connector = StandInConnector()
    await connector.start()
    numbers = itertools.count(first)
    failed = 0
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency + 8)) as session:
            started = time.perf_counter()

            async def user(worker: int) -> None:
                nonlocal failed
                while (n := next(numbers)) < first + count:  # ids never repeat (no duplicate deliveries)
                    timing = await one_turn(session, url, connector, f"mem-{n}", f"mem-conv-{worker}",
                                            texts[n % len(texts)], 60.0)
                    failed += timing is None

            await asyncio.gather(*(user(w) for w in range(concurrency)))
            return failed, time.perf_counter() - started
    finally:
        await connector.stop()


def run(turns: int) -> dict:
    index = eval_index(JA_CORPUS)
    texts = questions("ja-regulations")
    with bench_server("bot", index=index) as (url, process):
        idle = rss_mb(process.pid)
        asyncio.run(_turns(url + "/api/messages", 0, 50, 8, texts))
        warm, warm_shared = rss_mb(process.pid), shared_mb(process.pid)
        checkpoints = []
        done = 50
        for target in sorted({turns // 4, turns // 2, turns}):
            failed, seconds = asyncio.run(_turns(url + "/api/messages", done, target - done, 32, texts))
            done = target
            checkpoints.append((target, rss_mb(process.pid), failed, seconds))
    return {"idle": idle, "warm": warm, "warm_shared": warm_shared, "checkpoints": checkpoints}


def lines(result: dict) -> list[str]:
    last = result["checkpoints"][-1]
    curve = ", ".join(f"{n:,}: {rss:.0f} MB" for n, rss, _, _ in result["checkpoints"])
    failed = sum(c[2] for c in result["checkpoints"])
    return [f"server RSS after start-up (index loaded) {result['idle']:.0f} MB; after 50 warm-up turns"
            f" {result['warm']:.0f} MB (of which {result['warm_shared']:.0f} MB file-backed/shared); after {last[0]:,} turns {last[1]:.0f} MB"
            f" ({last[1] - result['warm']:+.0f} MB; curve {curve}; failed turns {failed})"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for line in lines(run(2_000 if args.quick else args.turns)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
