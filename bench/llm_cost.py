"""LLM cost per answer: prompt and completion tokens (tiktoken) on the dev sets, and the cost
per 1,000 questions from the prices in settings (REIKI_LLM_PRICE_INPUT_PER_1K / _OUTPUT_PER_1K).

    .venv/bin/python bench/llm_cost.py [--quick]

With retrieval/llm_answerer.py on the branch, every dev question goes through the real LLM
answerer against the local HTTP fake of the model (tests/fakes/azure_openai_fake.py), and the
prompt is counted from the request bodies the fake received (every message, plus the chat
format's ~3 tokens per message and 3 to prime the reply); the completion is the fake's reply.
Without it, the prompt is estimated from what the answerer would be given: the question and the
retrieved passages as numbered sources, capped at REIKI_LLM_MAX_SOURCE_TOKENS (no system
prompt: that file is not on the branch yet), marked "estimate".
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402

from bench.common import DATASET_NAMES, DATASETS, eval_index, free_port, questions  # noqa: E402
from bench.in_flight import FAKE_REPLY, llm_answerer_available  # noqa: E402

PER_MESSAGE = 3
REPLY_PRIMING = 3


def _message_tokens(tokens, messages: list[dict]) -> int:
    total = REPLY_PRIMING
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        total += PER_MESSAGE + tokens.count(str(content or ""))
    return total


def _estimated_prompt(tokens, question: str, passages, budget: int) -> int:
    sources, used = [], 0
    for number, scored in enumerate(passages, 1):
        source = f"[{number}] {scored.passage.citation_name}\n{scored.passage.text}"
        cost = tokens.count(source)
        if used + cost > budget:
            break
        sources.append(source)
        used += cost
    return _message_tokens(tokens, [{"content": "\n\n".join(sources)}, {"content": question}])


async def _through_llm(dataset: str, texts: list[str]) -> list[tuple[int, int]]:
    from retrieval.analysis import detect_language
    from retrieval.models import Question
    from services import build_services
    from settings import load_settings
    from tests.fakes.azure_openai_fake import FakeOpenAI

    fake = FakeOpenAI(reply=FAKE_REPLY)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    os.environ.update({"REIKI_ANSWERER": "llm", "REIKI_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
                       "REIKI_LLM_MODEL": "fake-model", "REIKI_LLM_API_KEY": "fake-key"})
    services = build_services(load_settings(), index_path=eval_index(DATASETS / dataset / "corpus"))
    out = []
    try:
        for text in texts:
            before = len(fake.requests)
            await services.pipeline.answer(Question(text=text, language=detect_language(text)))
            chats = [r for r in fake.requests[before:] if r["path"].endswith("/chat/completions")]
            prompt = sum(_message_tokens(services.tokens, r["body"].get("messages", [])) for r in chats)
            out.append((prompt, len(chats) * services.tokens.count(FAKE_REPLY)))
    finally:
        await services.aclose()
        await runner.cleanup()
    return out


def _estimate(dataset: str, texts: list[str]) -> list[tuple[int, int]]:
    from retrieval.analysis import detect_language
    from retrieval.models import Question
    from services import build_services
    from settings import load_settings

    settings = load_settings()
    services = build_services(settings, index_path=eval_index(DATASETS / dataset / "corpus"))
    searcher = services.pipeline.searcher
    completion = services.tokens.count(FAKE_REPLY)
    out = []
    for text in texts:
        passages = searcher.rank(Question(text=text, language=detect_language(text)), settings.top_k)
        out.append((_estimated_prompt(services.tokens, text, passages, settings.llm_max_source_tokens), completion))
    services.close()
    return out


def run(quick: bool) -> tuple[str, dict[str, list[tuple[int, int]]]]:
    real = llm_answerer_available()
    counts = {}
    for dataset in DATASET_NAMES:
        texts = questions(dataset)[: 10 if quick else None]
        counts[dataset] = asyncio.run(_through_llm(dataset, texts)) if real else _estimate(dataset, texts)
    return ("llm answerer via the HTTP fake" if real else "estimate (no llm answerer on this branch)"), counts


def rows(counts: dict[str, list[tuple[int, int]]]) -> list[list[str]]:
    from settings import load_settings

    settings = load_settings()
    out = []
    for dataset, pairs in counts.items():
        prompt = statistics.mean(p for p, _ in pairs)
        completion = statistics.mean(c for _, c in pairs)
        cost = 1000 * (prompt / 1000 * settings.llm_price_input_per_1k + completion / 1000 * settings.llm_price_output_per_1k)
        out.append([dataset, str(len(pairs)), f"{prompt:,.0f} (max {max(p for p, _ in pairs):,})",
                    f"{completion:,.0f}", f"{cost:.3f}"])
    return out


HEADER = ["dev set", "questions", "prompt tokens / answer", "completion tokens / answer", "cost per 1,000 questions"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.table import print_table
    from settings import load_settings

    how, counts = run(args.quick)
    settings = load_settings()
    print_table(HEADER, rows(counts))
    print(f"  {how}; prices per 1K tokens: input {settings.llm_price_input_per_1k}, output"
          f" {settings.llm_price_output_per_1k} (REIKI_LLM_PRICE_INPUT_PER_1K / REIKI_LLM_PRICE_OUTPUT_PER_1K)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
