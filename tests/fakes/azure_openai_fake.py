"""A FAKE of the Azure OpenAI REST API (and the OpenAI-compatible /v1 API) on loopback.

Speaks enough of the protocol for the real `openai` SDK: chat completions (JSON or SSE streaming)
and embeddings. Tests script its behaviour through `FakeOpenAI`: the reply text, an error status,
a delay; or one `Step` per chat request (`script`), consumed in order, for sequences such as
"429 with retry-after, then an answer". On the Azure path a stream starts, as Azure's does, with
a chunk that has no choices (prompt filter results only). Error bodies have Azure's shapes
(`content_filter_error()`, `context_length_error()`, `rate_limit_error()`). Embeddings are
deterministic bag-of-characters vectors, so similar texts are close.

Serve it with `async with serving(fake) as url` (in-process tests) or `with serving_in_thread(fake)
as url` (a subprocess such as `app.py ask` talks to it); the URL is the Azure endpoint, and
`url + "/v1"` the OpenAI-compatible base URL.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import socket
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes import serve_in_thread


@dataclass
class Step:
    """How the fake answers one chat request."""

    reply: str = "回答です。[1]"
    status: int = 200
    error_body: dict | None = None
    headers: dict = field(default_factory=dict)
    delay_seconds: float = 0.0
    finish_reason: str = "stop"  # "content_filter": Azure cut the answer while streaming
    # A streamed body written exactly as given, one write per item (then the body ends), for tests
    # of how a client reads unusual but possible streams; `break_off` drops the connection instead.
    raw_stream: list[bytes] | None = None
    break_off: bool = False


def content_filter_error() -> dict:
    """Azure's 400 body when the prompt trips the content filter."""
    return {"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management"
                   " policy. Please modify your prompt and retry.",
        "type": None, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
            "hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
            "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": True, "severity": "medium"}}}}}


def context_length_error(limit: int = 8192, used: int = 9000) -> dict:
    return {"error": {
        "message": f"This model's maximum context length is {limit} tokens. However, your messages resulted in"
                   f" {used} tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}


def rate_limit_error(seconds: int) -> dict:
    return {"error": {"code": "429", "message": "Requests to the ChatCompletions_Create Operation have exceeded"
                                                f" the rate limit. Please retry after {seconds} seconds."}}


@dataclass
class FakeOpenAI:
    reply: str = "回答です。[1]"
    status: int = 200  # e.g. 429, 400 (content filter / context length), 500
    error_body: dict | None = None
    headers: dict = field(default_factory=dict)  # e.g. {"retry-after": "1"}
    delay_seconds: float = 0.0  # before the first byte
    chunk_delay_seconds: float = 0.0  # between streamed chunks
    dimensions: int = 64
    script: list[Step] = field(default_factory=list)  # per chat request, in order; then the fields above
    requests: list[dict] = field(default_factory=list)  # every request body, in order

    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

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

    def _next_step(self) -> Step:
        if self.script:
            return self.script.pop(0)
        return Step(reply=self.reply, status=self.status, error_body=self.error_body, headers=self.headers,
                    delay_seconds=self.delay_seconds)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append({"path": request.path, "body": body,
                              "authorization": request.headers.get("Authorization"),
                              "api-key": request.headers.get("api-key")})
        step = self._next_step()
        if step.delay_seconds:
            await asyncio.sleep(step.delay_seconds)
        if step.status != 200:
            payload = step.error_body or {"error": {"message": "fake error", "code": str(step.status)}}
            return web.json_response(payload, status=step.status, headers=step.headers)
        azure = request.path.startswith("/openai/")
        created = int(time.time())
        if not body.get("stream"):
            return web.json_response({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": created,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": step.finish_reason,
                             "message": {"role": "assistant", "content": step.reply}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if step.raw_stream is not None:
            return await self._write_raw(request, response, step)
        if azure:  # Azure's first chunk: prompt filter results, no choices
            first = {"id": "", "object": "", "created": 0, "model": "", "choices": [],
                     "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]}
            await response.write(f"data: {json.dumps(first)}\n\n".encode())
        try:
            await self._write_chunks(response, step, body, created)
        except ConnectionResetError:
            pass  # the client gave up (a timeout test): nothing left to send
        return response

    async def _write_chunks(self, response: web.StreamResponse, step: Step, body: dict, created: int) -> None:
        pieces = [step.reply[i:i + 4] for i in range(0, len(step.reply), 4)]
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
                "choices": [{"index": 0, "delta": {}, "finish_reason": step.finish_reason}]}
        await response.write(f"data: {json.dumps(last)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()

    async def _write_raw(self, request: web.Request, response: web.StreamResponse, step: Step) -> web.StreamResponse:
        try:
            for piece in step.raw_stream:
                await response.write(piece)
                await asyncio.sleep(self.chunk_delay_seconds or 0.01)  # one network read per piece
            if step.break_off:
                request.transport.close()  # mid-body: the chunked encoding never ends
                return response
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client stopped reading: nothing left to send
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


@contextlib.asynccontextmanager
async def serving(fake: FakeOpenAI):
    """Serve the fake on a free loopback port in the running event loop; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()
        sock.close()


def serving_in_thread(fake: FakeOpenAI):
    """Serve the fake from its own thread and event loop (for subprocesses and sync code)."""
    return serve_in_thread(fake.app())
