"""Many questions in flight: 200 questions at once, each from its own 1:1 chat, with a slow
streamed model in the path.

    .venv/bin/python bench/in_flight.py [--count 200] [--setups bot-stock,bot,llm]
                                        [--max-concurrent-turns N]

The model waits 300 ms to its first token, then streams 30 tokens/s (an 87-token answer). Set-ups:
  bot-stock, bot  a protocol-level fake Answerer (bench/fake_answerer.py) that waits the same way
                  with asyncio.sleep, on botbuilder's stock adapter and on ours
  llm             the real LLM answerer (retrieval/llm_answerer.py, REIKI_ANSWERER=llm) against the
                  local HTTP fake of the model (tests/fakes/azure_openai_fake.py), served from a
                  process of its own (bench/model_fake_server.py): in production the model is
                  another machine, so its streaming must not share the bot's or the load
                  generator's event loop
Figures: one question alone (its final-message time is the yardstick), then `count` at once: time
to the HTTP acknowledgement, to the first update the user sees (the informative streaming
update), to the first streamed answer text, to the final message, and turns per second. A "busy"
refusal from the edge's concurrency cap is a reply but not an answer: it is counted apart.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (JA_CORPUS, ROOT, bench_server, eval_index, free_port, percentile,  # noqa: E402
                          questions, wait_for_port)
from bench.loadgen import StandInConnector, burst  # noqa: E402

FIRST_TOKEN_SECONDS = 0.3
TOKENS_PER_SECOND = 30.0
FAKE_REPLY = ("年次有給休暇は、雇入れの日から六か月間継続勤務し全労働日の八割以上出勤した職員に十日付与されます[1]。"
              "その後は勤続年数に応じて加算され、最大二十日となります[1]。詳しくは規程の該当条文をご確認ください。")


def llm_answerer_available() -> bool:
    return importlib.util.find_spec("retrieval.llm_answerer") is not None


@contextmanager
def model_fake():
    """The HTTP fake of the model in its own process (bench/model_fake_server.py), paced like the
    target: 300 ms, then 30 tokens/s. Yields (OpenAI-compatible base URL, process)."""
    from retrieval.tokens import TokenCounter

    tokens = TokenCounter().count(FAKE_REPLY)
    chunks = math.ceil(len(FAKE_REPLY) / 4)  # the fake streams 4 characters per chunk
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="reiki-model-fake-") as folder:
        reply = Path(folder) / "reply.txt"
        reply.write_text(FAKE_REPLY, encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "model_fake_server.py"), "--port", str(port),
             "--reply-file", str(reply), "--first-token-seconds", str(FIRST_TOKEN_SECONDS),
             "--chunk-delay-seconds", str(tokens / TOKENS_PER_SECOND / chunks)], cwd=ROOT)
        try:
            wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}/v1", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


async def _scenario(url: str, count: int, texts: list[str], label: str, pid: int | None = None,
                    model_pid: int | None = None) -> dict:
    connector = StandInConnector()
    await connector.start()
    try:
        _, warm = await burst(url, connector, texts, count=4, prefix=f"{label}-warm")
        alone_wall, [alone] = await burst(url, connector, texts, count=1, prefix=f"{label}-one")
        cpu_before, own_before, model_before = _cpu_seconds(pid), _cpu_seconds(os.getpid()), _cpu_seconds(model_pid)
        posts_before = connector.received
        wall, timings = await burst(url, connector, texts, count=count, prefix=f"{label}-burst")
        posts = connector.received - posts_before  # updates, typing indicators and final messages
        cpu = _cpu_seconds(pid) - cpu_before
        own = _cpu_seconds(os.getpid()) - own_before  # load generator, stand-in connector
        model = _cpu_seconds(model_pid) - model_before
    finally:
        await connector.stop()
    replied = [t for t in timings if t is not None]
    busy = sum(t.busy for t in replied)
    done = [t for t in replied if not (t.busy or t.failed)]  # a refusal or apology is a reply, not an answer

    def ms(values):
        return [v * 1000 for v in values]

    acks = ms([t.ack - t.sent for t in done])
    firsts = ms([t.first_update - t.sent for t in done if t.first_update is not None])
    texts = ms([t.first_text - t.sent for t in done if t.first_text is not None])
    finals = ms([t.final - t.sent for t in done])
    return {"alone_s": (alone.final - alone.sent) if alone else float("nan"), "wall_s": wall,
            "cpu_ms_per_question": cpu * 1000 / count, "bench_cpu_ms_per_question": own * 1000 / count,
            "model_cpu_ms_per_question": model * 1000 / count if model_pid else None,
            "posts_per_question": posts / count,
            "answered": len(done), "count": count, "tps": len(done) / wall, "busy": busy,
            "failed": sum(t.failed for t in replied), "lost": count - len(replied), "degraded": sum(t.degraded for t in done),
            "streamed_finals": sum(t.streamed_final for t in done),
            "text_p50": statistics.median(texts) if texts else None,
            "text_p95": percentile(texts, 95) if texts else None,
            "ack_p50": statistics.median(acks) if acks else float("nan"), "ack_p95": percentile(acks, 95),
            "first_p50": statistics.median(firsts) if firsts else None,
            "first_p95": percentile(firsts, 95) if firsts else None,
            "final_p50": statistics.median(finals) if finals else float("nan"),
            "final_p95": percentile(finals, 95)}


SETUPS = ("bot-stock", "bot", "llm")


def run(count: int, setups: tuple[str, ...] = SETUPS, env: dict | None = None,
        profile: Path | None = None) -> dict[str, dict]:
    """`env`: extra settings for the servers (e.g. REIKI_MAX_CONCURRENT_TURNS); `profile`: a
    pyinstrument report of the llm set-up's server, written there."""
    index = eval_index(JA_CORPUS)
    texts = questions("ja-regulations")
    from retrieval.tokens import TokenCounter

    answer_tokens = TokenCounter().count(FAKE_REPLY)  # the same answer the HTTP model fake streams
    pacing = ["--first-token-seconds", str(FIRST_TOKEN_SECONDS), "--tokens-per-second", str(TOKENS_PER_SECOND),
              "--answer-tokens", str(answer_tokens)]
    results = {}
    for kind in ("bot-stock", "bot"):
        if kind not in setups:
            continue
        with bench_server(kind, index=index, extra=["--answerer", "slow-model", *pacing], env=env) as (url, process):
            results[f"{kind} + slow-model fake"] = asyncio.run(
                _scenario(url + "/api/messages", count, texts, kind, process.pid))
    if "llm" in setups and llm_answerer_available():
        with model_fake() as (base_url, model_process):
            llm_env = {**(env or {}), "REIKI_ANSWERER": "llm", "REIKI_LLM_BASE_URL": base_url,
                       "REIKI_LLM_MODEL": "fake-model", "REIKI_LLM_API_KEY": "fake-key"}
            with bench_server("bot", index=index, env=llm_env,
                              extra=["--profile", str(profile)] if profile else []) as (url, process):
                flight = asyncio.run(_scenario(url + "/api/messages", count, texts, "llm", process.pid,
                                               model_process.pid))
        results["bot + llm answerer + HTTP model fake"] = flight
    return results


def rows(results: dict[str, dict]) -> list[list[str]]:
    out = []
    for name, r in results.items():
        first = "none sent" if r["first_p50"] is None else f"{r['first_p50']:.0f} / {r['first_p95']:.0f}"
        text = "none sent" if r["text_p50"] is None else f"{r['text_p50']:.0f} / {r['text_p95']:.0f}"
        refused = f"{r['busy']} busy, {r['failed']} apologies, {r['lost']} lost, {r['degraded']} degraded"
        out.append([name, f"{r['answered']}/{r['count']} ({refused})", f"{r['ack_p50']:.0f} / {r['ack_p95']:.0f}",
                    first, text,
                    f"{r['final_p50']:.0f} / {r['final_p95']:.0f}", f"{r['alone_s']:.2f}",
                    f"{r['wall_s']:.2f} ({r['wall_s'] / r['alone_s']:.2f}x)", f"{r['tps']:.0f}",
                    f"{r['posts_per_question']:.1f}",
                    f"{r['cpu_ms_per_question']:.1f} / {r['bench_cpu_ms_per_question']:.1f} / "
                    + ("-" if r["model_cpu_ms_per_question"] is None else f"{r['model_cpu_ms_per_question']:.1f}")])
    return out


HEADER = ["set-up", "answered", "HTTP ack p50 / p95 ms", "first update p50 / p95 ms",
          "first streamed text p50 / p95 ms", "final p50 / p95 ms",
          "one question alone s", "all at once s (x alone)", "turns/s", "activities sent / question",
          "CPU ms / question: server / load generator and connector / model fake"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--max-concurrent-turns", type=int,
                        help="REIKI_MAX_CONCURRENT_TURNS for the servers (default: the settings' default)")
    parser.add_argument("--profile", type=Path, help="pyinstrument report of the llm set-up's server")
    args = parser.parse_args()
    from bench.table import print_table

    env = {"REIKI_MAX_CONCURRENT_TURNS": str(args.max_concurrent_turns)} if args.max_concurrent_turns else None
    print_table(HEADER, rows(run(args.count, tuple(args.setups.split(",")), env, args.profile)))
    if not llm_answerer_available():
        print("  retrieval/llm_answerer.py is not on this branch: the llm row runs once it is merged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
