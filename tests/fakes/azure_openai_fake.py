"""A FAKE of the Azure OpenAI REST API (and the OpenAI-compatible /v1 API) on loopback.

Speaks enough of the protocol for the real `openai` SDK: chat completions (JSON or SSE streaming)
and embeddings. Tests script its behaviour through `FakeOpenAI`: the reply text, an error status,
a delay. Embeddings are deterministic bag-of-characters vectors, so similar texts are close.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeOpenAI:
    reply: str = "回答です。[1]"
    status: int = 200  # e.g. 429, 400 (content filter / context length), 500
    error_body: dict | None = None
    headers: dict = field(default_factory=dict)  # e.g. {"retry-after": "1"}
    delay_seconds: float = 0.0  # before the first byte
    chunk_delay_seconds: float = 0.0  # between streamed chunks
    dimensions: int = 64
    requests: list[dict] = field(default_factory=list)  # every request body, in order

    def app(self) -> web.Application:
        app = web.Application()
        for prefix in ("/openai/deployments/{deployment}", "/v1"):
            app.router.add_post(prefix + "/chat/completions", self._chat)
            app.router.add_post(prefix + "/embeddings", self._embeddings)
        return app

    async def _error_or_delay(self, request: web.Request) -> web.Response | None:
        body = await request.json()
        self.requests.append({"path": request.path, "body": body,
                              "authorization": request.headers.get("Authorization"),
                              "api-key": request.headers.get("api-key")})
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.status != 200:
            payload = self.error_body or {"error": {"message": "fake error", "code": str(self.status)}}
            return web.json_response(payload, status=self.status, headers=self.headers)
        return None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        error = await self._error_or_delay(request)
        if error is not None:
            return error
        body = self.requests[-1]["body"]
        created = int(time.time())
        if not body.get("stream"):
            return web.json_response({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": created,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": self.reply}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        pieces = [self.reply[i:i + 4] for i in range(0, len(self.reply), 4)]
        for number, piece in enumerate(pieces):
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                     "model": body.get("model", "fake"),
                     "choices": [{"index": 0, "delta": {"content": piece} if number else
                                  {"role": "assistant", "content": piece}, "finish_reason": None}]}
            await response.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            if self.chunk_delay_seconds:
                await asyncio.sleep(self.chunk_delay_seconds)
        last = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await response.write(f"data: {json.dumps(last)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _embeddings(self, request: web.Request) -> web.Response:
        error = await self._error_or_delay(request)
        if error is not None:
            return error
        body = self.requests[-1]["body"]
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        size = int(body.get("dimensions") or self.dimensions)
        data = [{"object": "embedding", "index": i, "embedding": embed_text(t, size)}
                for i, t in enumerate(texts)]
        return web.json_response({"object": "list", "data": data, "model": body.get("model", "fake"),
                                  "usage": {"prompt_tokens": 1, "total_tokens": 1}})


def embed_text(text: str, size: int) -> list[float]:
    """Characters hashed into `size` buckets, L2-normalised: texts sharing characters are close."""
    vector = [0.0] * size
    for char in text:
        vector[int(hashlib.md5(char.encode()).hexdigest(), 16) % size] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
