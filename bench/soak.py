"""Soak: N minutes of moderate load on the real app (loopback), printing the server's RSS curve.

    .venv/bin/python bench/soak.py --minutes 30 [--rate 5] [--corpus samples/regulations]

Each second sends `--rate` activities (questions, /help, small talk, feedback invokes, Teams
retries of earlier ids) to `app.py serve` in a child process; a stand-in connector takes the
replies. Prints one line of RSS per `--every` seconds and, at the end, the growth from the first
sample after warm-up to the last, the statuses, and the worst /healthz latency. Exit 1 if RSS grew
by 10% or more, or on any 5xx.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.edge_harness import HealthSampler, Receiver, ServedApp  # noqa: E402

QUESTIONS = ["年次休暇は何日もらえますか", "育休はいつまで取れる？", "時間外勤務の上限は？", "旅費の日当はいくら？",
             "How many days of annual leave do I get?", "/help", "こんにちは", "忌引休暇の日数は？",
             "<at>例規ボット</at> 服務の宣誓について教えて", "電話090-1234-5678の職員の勤務時間は？"]


def activity(service_url: str, n: int) -> dict:
    body = {"type": "message", "id": f"soak-{n}", "channelId": "msteams", "serviceUrl": service_url,
            "text": QUESTIONS[n % len(QUESTIONS)], "locale": "ja-JP",
            "from": {"id": f"29:user-{n % 50}", "name": "職員"}, "recipient": {"id": "28:bot"},
            "conversation": {"id": f"a:conv-{n % 200}", "conversationType": "personal"}}
    if n % 11 == 0:
        body.update(type="invoke", name="message/submitAction", replyToId=f"reply-{n}", text=None,
                    value={"actionName": "feedback", "actionValue": {
                        "reaction": "dislike" if n % 2 else "like",
                        "feedback": json.dumps({"feedbackText": "条文が違うようです"})}})
    return body


async def load(served: ServedApp, receiver: Receiver, *, minutes: float, rate: int, every: float) -> dict:
    statuses: collections.Counter[int] = collections.Counter()
    curve: list[tuple[float, float]] = []
    started = time.monotonic()
    next_sample = 0.0
    counter = itertools.count()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def send(n: int) -> None:
            # one in 20 is a Teams retry of an earlier message (exercises de-duplication)
            body = activity(receiver.url, n - 5 if n % 20 == 0 and n >= 5 else n)
            try:
                async with session.post(served.url + "/api/messages", json=body) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
            except aiohttp.ClientError:
                statuses[0] += 1

        pending: set[asyncio.Task] = set()
        while (elapsed := time.monotonic() - started) < minutes * 60:
            for _ in range(rate):
                task = asyncio.create_task(send(next(counter)))
                pending.add(task)
                task.add_done_callback(pending.discard)
            if elapsed >= next_sample:
                curve.append((elapsed, served.rss_mb()))
                print(f"t={elapsed:6.0f}s rss={curve[-1][1]:7.1f} MB sent={sum(statuses.values())}"
                      f" replies={receiver.replies}", flush=True)
                next_sample += every
            await asyncio.sleep(1)
        await asyncio.gather(*pending, return_exceptions=True)
    curve.append((time.monotonic() - started, served.rss_mb()))
    return {"statuses": statuses, "curve": curve}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, default=5, help="activities per second")
    parser.add_argument("--every", type=float, default=30, help="seconds between RSS samples")
    parser.add_argument("--warm-up", type=float, default=60, help="seconds before the RSS baseline")
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples" / "regulations")
    args = parser.parse_args()

    served = ServedApp(corpus=args.corpus)
    served.start()
    sampler = HealthSampler(served.url, interval=0.25)
    sampler.start()
    receiver = Receiver()

    async def run() -> dict:
        await receiver.start()
        try:
            return await load(served, receiver, minutes=args.minutes, rate=args.rate, every=args.every)
        finally:
            await asyncio.sleep(2)
            await receiver.stop()

    try:
        result = asyncio.run(run())
    finally:
        sampler.stop()
        served.stop()
    curve = result["curve"]
    baseline = next((rss for t, rss in curve if t >= args.warm_up), curve[0][1])
    final = curve[-1][1]
    growth = (final - baseline) / baseline * 100
    report = {"minutes": args.minutes, "rate_per_s": args.rate, "statuses": dict(sorted(result["statuses"].items())),
              "replies_posted": receiver.replies, "rss_baseline_mb": round(baseline, 1),
              "rss_final_mb": round(final, 1), "rss_growth_pct": round(growth, 1),
              "healthz_worst_ms": round(sampler.worst * 1000, 1),
              "server_loop_lag_worst_ms": sampler.loop_lag_worst_ms, **served.log_summary()}
    print(json.dumps(report, indent=1))
    return 1 if growth >= 10 or any(s >= 500 for s in result["statuses"]) else 0


if __name__ == "__main__":
    sys.exit(main())
