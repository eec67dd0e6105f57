"""One server process for the load benchmarks (started by bench/common.py:bench_server).

    bench_server.py KIND --port P [--index PATH] [--answerer extractive|slow-model] [--profile OUT]

KIND: `bot` (app.create_app, our adapter), `bot-stock` (the same bot on botbuilder's stock
CloudAdapter), `echo-stock` (a plain botbuilder echo bot: the naive floor), `echo` (the echo bot
on our adapter). Anonymous mode, as `app.py serve` would run it. With --profile, pyinstrument
samples the event-loop thread for the whole run and writes a text report on exit.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402

for _name in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId"):
    os.environ.pop(_name, None)  # anonymous mode, whatever the caller's shell holds


def build_app(args: argparse.Namespace) -> web.Application:
    if args.kind in ("echo", "echo-stock"):
        from bot.echo_bot import create_echo_app

        return create_echo_app(stock_adapter=args.kind == "echo-stock")
    import bot.server
    from app import create_app
    from bot.echo_bot import create_stock_adapter
    from logs import configure_logging
    from services import build_services
    from settings import load_settings

    settings = load_settings()
    configure_logging(args.log_level or settings.log_level)
    services = build_services(settings, index_path=args.index)
    if args.answerer == "slow-model":
        from bench.fake_answerer import SlowModelAnswerer

        services.pipeline.answerer = SlowModelAnswerer(
            services.pipeline.answerer, first_token_seconds=args.first_token_seconds,
            tokens_per_second=args.tokens_per_second, answer_tokens=args.answer_tokens)
    services.warm_up()
    if args.kind == "bot-stock":
        from bot.connector import ReplyConnector

        def stock(**_):
            adapter = create_stock_adapter()
            adapter.connector = ReplyConnector()  # never used; create_app closes it on exit
            return adapter

        bot.server.create_adapter = stock
    return create_app(settings, services)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["bot", "bot-stock", "echo", "echo-stock"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--answerer", choices=["extractive", "slow-model"], default="extractive")
    parser.add_argument("--first-token-seconds", type=float, default=0.3)
    parser.add_argument("--tokens-per-second", type=float, default=30.0)
    parser.add_argument("--answer-tokens", type=int, default=60)
    parser.add_argument("--log-level")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    app = build_app(args)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    try:
        web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    finally:
        if profiler is not None:
            profiler.stop()
            args.profile.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
