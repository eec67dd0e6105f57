"""Bot turns under load: our bot against a plain botbuilder echo bot, on the same HTTP edge.

    .venv/bin/python bench/bot_turns.py [--quick] [--levels 1 8 32 128] [--seconds 4]
    .venv/bin/python bench/bot_turns.py --profile echo-stock    # pyinstrument report of one server

Each server runs in its own process (anonymous mode, extractive answers on the ja-regulations
index); this process is the load generator and the stand-in connector. Servers:
  echo-stock  botbuilder's CloudAdapter + an echo bot: the naive floor the targets refer to
  echo        the same echo bot on our adapter (bot/connector.py)
  bot-stock   our bot on botbuilder's stock CloudAdapter (before bot/connector.py)
  bot         our bot as `app.py serve` runs it
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import JA_CORPUS, bench_server, eval_index, percentile, questions  # noqa: E402
from bench.loadgen import StandInConnector, closed_loop  # noqa: E402

KINDS = ("echo-stock", "echo", "bot-stock", "bot")


async def measure(url: str, connector: StandInConnector, level: int, seconds: float, texts: list[str],
                  prefix: str) -> dict:
    result = await closed_loop(url + "/api/messages", connector, texts, concurrency=level, seconds=seconds,
                               prefix=prefix)
    latencies = result.latencies_ms()
    return {"tps": result.turns_per_second, "n": len(latencies), "errors": result.errors, "busy": result.busy,
            "failed": result.failed,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": percentile(latencies, 95)}


async def _interleaved(urls: dict[str, str], levels: list[int], seconds: float, rounds: int,
                       texts: list[str]) -> dict[str, dict[int, dict]]:
    """Servers take turns level by level, round by round, so a burst of load from elsewhere on
    the machine hits all of them alike; each figure is the round with the median throughput."""
    connector = StandInConnector()
    await connector.start()
    try:
        for kind, url in urls.items():  # first-turn costs (imports, dictionary pages)
            await measure(url, connector, 4, 1.0, texts, f"warm-{kind}")
        samples: dict[str, dict[int, list[dict]]] = {kind: {level: [] for level in levels} for kind in urls}
        for level in levels:
            for number in range(rounds):
                for kind, url in urls.items():
                    samples[kind][level].append(
                        await measure(url, connector, level, seconds, texts, f"{kind}-{level}-{number}"))
        return {kind: {level: sorted(runs, key=lambda r: r["tps"])[len(runs) // 2]
                       for level, runs in by_level.items()} for kind, by_level in samples.items()}
    finally:
        await connector.stop()


def run(levels: list[int], seconds: float, rounds: int = 2, kinds=KINDS) -> dict[str, dict[int, dict]]:
    index = eval_index(JA_CORPUS)
    texts = questions("ja-regulations")
    with contextlib.ExitStack() as stack:
        urls = {kind: stack.enter_context(bench_server(kind, index=index if kind.startswith("bot") else None))[0]
                for kind in kinds}
        return asyncio.run(_interleaved(urls, levels, seconds, rounds, texts))


def rows(results: dict[str, dict[int, dict]]) -> list[list[str]]:
    """One row per level: turns/s and p50/p95 per server, and bot/echo-stock ratios."""
    table = []
    for level in results["bot"]:
        bot, floor = results["bot"][level], results["echo-stock"][level]
        row = [str(level)]
        for kind in KINDS:
            r = results[kind][level]
            row.append(f"{r['tps']:.0f}; {r['p50']:.1f} / {r['p95']:.1f}" + (f" ({r['errors']} err)" if r["errors"] else "")
                       + (f" ({r['busy']} busy)" if r.get("busy") else "")
                       + (f" ({r['failed']} apologies)" if r.get("failed") else ""))
        row.append(f"{bot['tps'] / floor['tps']:.2f}x" if floor["tps"] else "-")
        row.append(f"{bot['p50'] / floor['p50']:.2f}" if floor["p50"] else "-")
        table.append(row)
    return table


HEADER = ["conc", *[f"{k}: turns/s; p50 / p95 ms" for k in KINDS], "bot/echo-stock tps", "bot/echo-stock p50"]


def profile(kind: str, seconds: float, concurrency: int) -> str:
    index = eval_index(JA_CORPUS)
    texts = questions("ja-regulations")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        with bench_server(kind, index=index if kind.startswith("bot") else None,
                          extra=["--profile", str(out)]) as (url, _process):
            asyncio.run(_interleaved({kind: url}, [concurrency], seconds, 1, texts))
        return out.read_text()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", choices=KINDS)
    args = parser.parse_args()
    if args.profile:
        print(profile(args.profile, args.seconds, 32))
        return 0
    from bench.table import print_table

    results = run(args.levels, 2.0 if args.quick else args.seconds, 1 if args.quick else args.rounds)
    print_table(HEADER, rows(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
