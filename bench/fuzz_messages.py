"""Property-based fuzzing of POST /api/messages against the real app on loopback.

    .venv/bin/python bench/fuzz_messages.py [--examples 10000] [--corpus samples/regulations]

Hypothesis generates activities (well-formed Teams messages to garbage, tests/fakes/activity_strategies.py);
each is POSTed to `app.py serve` in a child process. Prints the status counts, the number of
responses >= 500, tracebacks and ERROR lines in the server's JSON log, and the worst /healthz
latency seen by a sampler polling it throughout. Exit 1 on any 5xx or traceback.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from bench.edge_harness import HealthSampler, Receiver, ServedApp  # noqa: E402
from tests.fakes.activity_strategies import bodies  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples" / "regulations")
    args = parser.parse_args()

    served = ServedApp(corpus=args.corpus)
    served.start()
    sampler = HealthSampler(served.url)
    loop = asyncio.new_event_loop()
    receiver = Receiver()
    loop.run_until_complete(receiver.start())
    session = loop.run_until_complete(_session())
    statuses: collections.Counter[int] = collections.Counter()
    server_errors: list[bytes] = []

    async def send(body: bytes) -> int:
        async with session.post(served.url + "/api/messages", data=body,
                                headers={"Content-Type": "application/json"},
                                timeout=aiohttp.ClientTimeout(total=30)) as resp:
            await resp.read()
            return resp.status

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies(receiver.url))
    def fuzz(body: bytes) -> None:
        status = loop.run_until_complete(send(body))
        statuses[status] += 1
        if status >= 500 and len(server_errors) < 20:
            server_errors.append(body[:500])

    started = time.perf_counter()
    sampler.start()
    try:
        fuzz()
    finally:
        sampler.stop()
        loop.run_until_complete(asyncio.sleep(2))  # let background turns post their replies
        loop.run_until_complete(session.close())
        loop.run_until_complete(receiver.stop())
        loop.close()
        served.stop()
    elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    report = {"activities": total, "seconds": round(elapsed, 1), "statuses": dict(sorted(statuses.items())),
              "responses_5xx": sum(n for s, n in statuses.items() if s >= 500), "replies_posted": receiver.replies,
              "healthz_worst_ms": round(sampler.worst * 1000, 1),
              "server_loop_lag_worst_ms": sampler.loop_lag_worst_ms, "healthz_samples": sampler.samples,
              "healthz_failures": sampler.failures, **served.log_summary()}
    print(json.dumps(report, indent=1))
    for body in server_errors:
        print("5xx body:", body, file=sys.stderr)
    return 1 if report["responses_5xx"] or report["log_tracebacks"] else 0


async def _session():
    return aiohttp.ClientSession()


if __name__ == "__main__":
    sys.exit(main())
