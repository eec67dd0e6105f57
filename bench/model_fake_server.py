"""The HTTP FAKE of the model (tests/fakes/azure_openai_fake.py) in a process of its own.

    model_fake_server.py --port P --reply-file F [--first-token-seconds S] [--chunk-delay-seconds S]

In production the model is another machine: serving the fake from the benchmark's own process
would charge its streaming to the load generator's event loop (and the load generator's to it).
Started and stopped by bench/in_flight.py (`model_fake`).
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402

from tests.fakes.azure_openai_fake import FakeOpenAI  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reply-file", type=Path, required=True, help="the answer text, UTF-8")
    parser.add_argument("--first-token-seconds", type=float, default=0.0)
    parser.add_argument("--chunk-delay-seconds", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeOpenAI(reply=args.reply_file.read_text(encoding="utf-8"), delay_seconds=args.first_token_seconds,
                      chunk_delay_seconds=args.chunk_delay_seconds)
    # The fake keeps every request for tests to inspect; here only the last (embeddings read it back).
    fake.requests = collections.deque(maxlen=1)
    web.run_app(fake.app(), host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
