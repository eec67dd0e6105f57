"""A protocol-level stand-in for the LLM answerer: it waits like a streamed model would.

Until `retrieval/llm_answerer.py` is on this branch, this is how bench/in_flight.py measures the
bot and the pipeline with many questions waiting on a model at once: time to first token, then
tokens at a steady rate (released in small chunks, as SSE chunks arrive), yielding a draft per
chunk and finally the extractive answer (real passages, real citations). All waiting is
`asyncio.sleep`, as awaiting an HTTP stream would be: no thread is held while it waits.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from retrieval.models import Answer, AnswerDraft, Question, ScoredPassage
from retrieval.ports import Answerer, AnswerEvent


class SlowModelAnswerer:
    def __init__(self, inner: Answerer, *, first_token_seconds: float = 0.3, tokens_per_second: float = 30.0,
                 answer_tokens: int = 60, tokens_per_chunk: int = 4) -> None:
        self._inner = inner
        self._first = first_token_seconds
        self._rate = tokens_per_second
        self._tokens = answer_tokens
        self._chunk = tokens_per_chunk

    async def stream(self, question: Question, passages: Sequence[ScoredPassage]) -> AsyncIterator[AnswerEvent]:
        final: Answer | None = None
        async for event in self._inner.stream(question, passages):
            if isinstance(event, Answer):
                final = event
        await asyncio.sleep(self._first)
        text = final.text if final else ""
        chunks = max(1, -(-self._tokens // self._chunk))
        for number in range(1, chunks + 1):
            await asyncio.sleep(self._chunk / self._rate)
            yield AnswerDraft(text=text[: len(text) * number // chunks])
        yield final

    async def aclose(self) -> None:
        await self._inner.aclose()
