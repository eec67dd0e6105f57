"""`make bench`: every benchmark in one run, detail tables, then one summary table against the
targets of issue #12. Peers are built and measured in this same run.

    .venv/bin/python bench/run_all.py [--quick]

--quick: fewer rounds, 1x/4x growth only, 2,000 turns for memory, 10 questions per set for cost.
The machine may be shared: the load average is printed at the start and the end, and the turn
benchmark interleaves its servers so outside load hits them alike.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bot_turns, in_flight, index_growth, llm_cost, memory, retrieval_peers  # noqa: E402
from bench.table import print_table  # noqa: E402


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def _ok(condition: bool) -> str:
    return "yes" if condition else "NO"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    started = time.perf_counter()
    print(f"bench {'(quick) ' if quick else ''}started; {_load()}")
    summary: list[list[str]] = []

    # 1. Retrieval
    retrieval = retrieval_peers.run(1 if quick else 5)
    print_table(retrieval_peers.HEADER, retrieval_peers.rows(retrieval), "1. Retrieval (embedded vs peers on the same passages)")
    ours, tantivy, trigram = (retrieval["pooled"][k] for k in ("embedded", "tantivy", "fts5-trigram"))
    summary.append(["retrieval p50 / p99 (3 dev sets)", f"{ours['p50']:.2f} / {ours['p99']:.2f} ms",
                    f"tantivy {tantivy['p50']:.2f} / {tantivy['p99']:.2f}; fts5-trigram {trigram['p50']:.2f} / {trigram['p99']:.2f}",
                    "p50 <= 2, p99 <= 10 ms", _ok(ours["p50"] <= 2 and ours["p99"] <= 10)])
    summary.append(["retrieval p50 vs tantivy", f"{ours['p50'] / tantivy['p50']:.1f}x", "", "<= 1.5x",
                    _ok(ours["p50"] <= 1.5 * tantivy["p50"])])

    # 2. Indexing
    growth = index_growth.run([1, 4] if quick else [1, 4, 16], 1 if quick else 3)
    print_table(index_growth.HEADER, index_growth.rows(growth), "2. Indexing (ja-regulations; growth by replication)")
    for line in index_growth.summary_lines(growth):
        print("  " + line)
    full, unchanged, curve = growth["full"], growth["unchanged"], growth["growth"]
    summary.append(["full index / unchanged re-index", f"{full['indexer_seconds']:.1f} s / {unchanged['indexer_seconds']:.2f} s",
                    f"peak RSS {full['peak_rss_mb']:.0f} MB", "<= 30 s / <= 2 s",
                    _ok(full["indexer_seconds"] <= 30 and unchanged["indexer_seconds"] <= 2)])
    last = curve[-1]
    summary.append([f"growth to {last['factor']}x: write / search RSS / p50", f"{last['write_seconds']:.1f} s / {last['rss_mb']:.0f} MB /"
                    f" {last['p50_ms']:.1f} ms", f"1x: {curve[0]['write_seconds']:.1f} s / {curve[0]['rss_mb']:.0f} MB /"
                    f" {curve[0]['p50_ms']:.1f} ms", "close to linear", "see table"])
    summary.append(["searcher RSS at 1x (index loaded)", f"{curve[0]['rss_mb']:.0f} MB", "", "<= 350 MB",
                    _ok(curve[0]["rss_mb"] <= 350)])

    # 3. Bot turns
    turns = bot_turns.run([1, 8, 32, 128], 2.0 if quick else 3.0, 1 if quick else 2)
    print_table(bot_turns.HEADER, bot_turns.rows(turns), "3. Bot turns (closed loop; p50 / p95 ms)")
    bot32, echo32 = turns["bot"][32], turns["echo-stock"][32]
    summary.append(["bot turns/s at c=32", f"{bot32['tps']:.0f} (p50 {bot32['p50']:.0f} ms)",
                    f"echo-stock {echo32['tps']:.0f} (p50 {echo32['p50']:.0f} ms); echo on our adapter"
                    f" {turns['echo'][32]['tps']:.0f}", ">= 1.2x echo, p50 <= echo",
                    _ok(bot32["tps"] >= 1.2 * echo32["tps"] and bot32["p50"] <= echo32["p50"])])

    # 4. Many in flight
    flight = in_flight.run(200)
    print_table(in_flight.HEADER, in_flight.rows(flight), "4. 200 questions at once, slow streamed model")
    for name, r in flight.items():
        if name.startswith("bot-stock"):
            continue
        first_ok = r["first_p95"] is not None and r["first_p95"] <= 1000
        summary.append([f"in flight: {name}", f"{r['answered']}/{r['count']} answered ({r['busy']} busy); ack p95"
                        f" {r['ack_p95']:.0f} ms; first update "
                        + ("none" if r["first_p95"] is None else f"p95 {r['first_p95']:.0f} ms")
                        + ("" if r["text_p95"] is None else f"; first text p95 {r['text_p95']:.0f} ms")
                        + f"; final p95 {r['final_p95']:.0f} ms; all {r['wall_s']:.2f} s = {r['wall_s'] / r['alone_s']:.2f}x one",
                        f"bot-stock: all {flight['bot-stock + slow-model fake']['wall_s']:.2f} s",
                        "all answered, ack p95 <= 200 ms, first p95 <= 1 s, <= 1.5x",
                        f"all {_ok(r['answered'] == r['count'])}, ack {_ok(r['ack_p95'] <= 200)}, first {_ok(first_ok)},"
                        f" total {_ok(r['wall_s'] <= 1.5 * r['alone_s'])}"])

    # 5. Memory
    mem = memory.run(2_000 if quick else 10_000)
    print("\n5. Memory")
    for line in memory.lines(mem):
        print("  " + line)
    turns_done, rss_end = mem["checkpoints"][-1][0], mem["checkpoints"][-1][1]
    summary.append(["server RSS warm / after turns", f"{mem['warm']:.0f} MB / {rss_end:.0f} MB ({turns_done:,} turns)",
                    f"at start-up {mem['idle']:.0f} MB", "<= 350 MB at 1x", _ok(mem["warm"] <= 350)])

    # 6. LLM cost
    how, counts = llm_cost.run(quick)
    print_table(llm_cost.HEADER, llm_cost.rows(counts), f"6. LLM cost per answer ({how})")
    cost_rows = llm_cost.rows(counts)
    summary.append(["LLM cost per 1,000 questions", ", ".join(f"{r[0]} {r[4]}" for r in cost_rows), how,
                    "(report)", "-"])

    print_table(["measure", "ours", "peer / reference (same run)", "target (#12)", "met"], summary,
                f"SUMMARY ({time.perf_counter() - started:.0f} s; {_load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
