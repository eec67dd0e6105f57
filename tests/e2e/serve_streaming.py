"""`app.py serve` for the end-to-end test, with a protocol-fake streaming answerer injected.

The fake implements the Answerer protocol the way a streaming LLM does — growing drafts a few
hundred milliseconds apart, then one final Answer — and takes its final Answer (text and
citations) from the real extractive answerer, so what the Playground renders at the end is a real
cited answer. Everything else (HTTP edge, handler, streaming protocol, state store) is the product.
Replace the fake with the LLM path (REIKI_ANSWERER=llm against tests/fakes/azure_openai_fake.py)
once that path is merged.

    python tests/e2e/serve_streaming.py --host 127.0.0.1 --port 3978
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from app import create_app, ensure_index  # noqa: E402
from logs import configure_logging  # noqa: E402
from retrieval.models import Answer, AnswerDraft  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DRAFT_PAUSE_SECONDS = 0.35  # about three drafts per second: the bot must thin them to one a second
DRAFTS = 12


class FakeStreamingAnswerer:
    """FAKE (test only): drafts of the extractive answer's text, then that answer."""

    def __init__(self, extractive) -> None:
        self._extractive = extractive

    async def stream(self, question, passages):
        final = None
        async for event in self._extractive.stream(question, passages):
            if isinstance(event, Answer):
                final = event
        if not final.abstained:
            step = max(1, len(final.text) // DRAFTS)
            for end in range(step, len(final.text), step):
                await asyncio.sleep(DRAFT_PAUSE_SECONDS)
                yield AnswerDraft(text=final.text[:end])
        yield final

    async def aclose(self) -> None:
        await self._extractive.aclose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3978)
    args = parser.parse_args()
    settings = load_settings()
    configure_logging(settings.log_level)
    services = build_services(settings)
    services.pipeline.answerer = FakeStreamingAnswerer(services.pipeline.answerer)
    ensure_index(services, settings.corpus_dir)
    services.warm_up()
    web.run_app(create_app(settings, services), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
