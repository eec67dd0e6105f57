"""A chat model: Azure OpenAI (Entra ID or key) or any OpenAI-compatible endpoint (on-prem LLM server).

Only text goes in and out, and failures come out as our own `ChatModelError` kinds: the SDK's
request, response and exception types stay inside this module. The SDK client sends every request;
a streamed answer's events are read here (see `OpenAIChat.stream`). Used by the LLM answerer
(streaming), the follow-up query rewriter and the evaluation's LLM judge.

The SDK's own retries are switched off: a chat user is waiting, so this module decides. A 429 is
retried once when the server asks for a short wait, anything else is reported at once and the
answerer falls back to quoting the articles.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from dataclasses import dataclass
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from settings import Settings

log = logging.getLogger("retrieval.chat_model")
T = TypeVar("T")

# Longest retry-after we wait out once (seconds); Teams gives a turn ~15 s, so longer waits give up.
MAX_RETRY_AFTER_SECONDS = 5.0
DRAIN_SECONDS = 0.1  # the longest wait for the end of a body after [DONE]
_CONTEXT_LENGTH = re.compile(r"context[ _]length|maximum context|too many tokens|prompt is too long", re.I)


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str


class ChatModelError(RuntimeError):
    """The model call failed; `kind` says how (it names no secret)."""

    kind = "model_error"


class ModelBusy(ChatModelError):
    """429: rate limited (the wait the server asked for was too long, or the retry failed too)."""

    kind = "model_busy"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelTimeout(ChatModelError):
    kind = "model_timeout"


class ContentFiltered(ChatModelError):
    """The service's content filter refused the prompt or cut the answer."""

    kind = "content_filter"


class ContextTooLong(ChatModelError):
    """The prompt does not fit the model's context window."""

    kind = "context_length"


class ChatModel(Protocol):
    async def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str:
        """The whole reply text."""

    def stream(self, messages: Sequence[ChatMessage], *,
               max_tokens: int | None = None) -> AsyncGenerator[str, None]:
        """The reply text in pieces, as the model writes it (an async generator: callers aclose() it)."""

    async def aclose(self) -> None: ...


class OpenAIChat:
    """A ChatModel over an `openai` async client (AsyncAzureOpenAI or AsyncOpenAI)."""

    def __init__(self, client, *, model: str, max_tokens: int = 800,
                 max_retry_after: float = MAX_RETRY_AFTER_SECONDS, credential=None) -> None:
        self._client = client.with_options(max_retries=0)  # retries are decided here, not in the SDK
        self._credential = credential  # the Entra ID credential behind the client's tokens, if any
        self.model = model  # the deployment name on Azure
        self._max_tokens = max_tokens
        self._max_retry_after = max_retry_after

    async def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str:
        request = self._request(messages, max_tokens, stream=False)
        response = await self._retrying(lambda: self._client.chat.completions.create(**request))
        choice = response.choices[0] if response.choices else None
        if choice is not None and choice.finish_reason == "content_filter":
            raise ContentFiltered("the answer was withheld by the content filter")
        text = choice.message.content if choice is not None else None
        if not text:
            raise ChatModelError("chat model returned no text")
        return text

    async def stream(self, messages: Sequence[ChatMessage], *,
                     max_tokens: int | None = None) -> AsyncGenerator[str, None]:
        # The SDK still sends the request (auth, URL, api-version, timeouts, status errors), but
        # the event stream is read here: its own reader builds a pydantic object per chunk, which
        # was most of the bot's CPU with many answers streaming at once (bench/in_flight.py).
        # `post` is the client's generic request method (on Azure it too goes to the deployment's
        # URL); `chat.completions.create` would first walk the messages against its parameter
        # types, ~0.5 ms of pure Python per request for a body that is plain JSON already.
        from openai import AsyncStream

        request = self._request(messages, max_tokens, stream=True)
        opened = await self._retrying(lambda: self._client.post(
            "/chat/completions", body=request, cast_to=object, stream=True, stream_cls=AsyncStream[object]))
        try:
            async for text in _streamed_text(opened.response.aiter_bytes()):
                yield text
        finally:
            await opened.close()

    async def aclose(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    def _request(self, messages: Sequence[ChatMessage], max_tokens: int | None, *, stream: bool) -> dict:
        return {"model": self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
                "temperature": 0, "max_tokens": max_tokens or self._max_tokens, "stream": stream}

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """One request; a 429 asking for a short wait is retried once after that wait."""
        from openai import OpenAIError

        for attempt in (1, 2):
            try:
                return await call()
            except OpenAIError as exc:
                error = _translate(exc)
            except Exception as exc:  # noqa: BLE001 - e.g. the Entra ID credential failed; the SDK passes that through
                error = ChatModelError(f"chat model call failed: {exc.__class__.__name__}")
            if (isinstance(error, ModelBusy) and attempt == 1 and error.retry_after is not None
                    and error.retry_after <= self._max_retry_after):
                log.info("chat model rate limited; retrying once in %.1f s", error.retry_after)
                await asyncio.sleep(error.retry_after)
                continue
            raise error
        raise AssertionError("unreachable")


async def _streamed_text(body: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
    """The reply's text pieces from a chat-completions event stream (server-sent events, one JSON
    chunk per `data:`, `[DONE]` at the end). Chunks without choices (Azure's prompt-filter
    prelude, a usage chunk), empty deltas and role-only deltas carry no text.

    The text of all the chunks that arrived together is one piece: when the process is busy,
    chunks queue up in the socket, and each piece costs the layers above (drafts, stream
    updates) the same whatever its length, so under load they do less work per token."""
    import httpx2  # the SDK's HTTP client: what a broken or stalled body raises

    events = _SSEEvents()
    try:
        async for block in body:
            pieces: list[str] = []
            done = False
            for data in events.feed(block):
                if data == "[DONE]":
                    done = True
                    break
                pieces.extend(_chunk_text(data))  # an error raises: the answer is not used then
            if pieces:
                yield "".join(pieces)
            if done:
                await _drain(body, httpx2.HTTPError)
                return
        for data in events.end():
            if data != "[DONE]":
                text = "".join(_chunk_text(data))
                if text:
                    yield text
    except httpx2.ConnectTimeout:
        # Mid-body there is no connecting: the aiohttp transport reports any lost connection
        # (server disconnected, reset) as a connect timeout. The model did not time out.
        raise ChatModelError("chat model stream broke off: connection lost") from None
    except httpx2.TimeoutException:
        raise ModelTimeout("chat model timed out") from None
    except httpx2.HTTPError as exc:
        raise ChatModelError(f"chat model stream broke off: {exc.__class__.__name__}") from None
    except UnicodeDecodeError:
        raise ChatModelError("chat model sent a malformed stream chunk") from None


async def _drain(body: AsyncIterator[bytes], errors: type[Exception]) -> None:
    """Read what follows [DONE] (normally only the end of the body), briefly: a connection whose
    body was read to the end goes back to the pool instead of being closed."""
    with contextlib.suppress(TimeoutError, errors):
        async with asyncio.timeout(DRAIN_SECONDS):
            async for _ in body:
                pass


def _chunk_text(data: str) -> list[str]:
    """The text pieces of one streamed chunk (JSON); an error or a content-filter cut raises."""
    try:
        chunk = json.loads(data)
    except ValueError:
        raise ChatModelError("chat model sent a malformed stream chunk") from None
    if not isinstance(chunk, dict):
        raise ChatModelError("chat model sent a malformed stream chunk")
    if chunk.get("error"):
        raise _stream_error(chunk["error"])
    pieces = []
    try:
        for choice in chunk.get("choices") or ():
            content = (choice.get("delta") or {}).get("content")
            if content:
                pieces.append(str(content))
            if choice.get("finish_reason") == "content_filter":
                raise ContentFiltered("the answer was cut by the content filter")
    except (AttributeError, TypeError):  # e.g. a choice or a delta that is not an object
        raise ChatModelError("chat model sent a malformed stream chunk") from None
    return pieces


class _SSEEvents:
    """Server-sent events from body blocks split anywhere: the `data` of each complete event
    (multi-line data joined by newlines). Comments, ids, retry hints and event names are skipped:
    an error comes as a JSON body with "error"."""

    def __init__(self) -> None:
        self._pending = b""  # an incomplete line, waiting for the next block
        self._data: list[str] = []

    def feed(self, block: bytes) -> list[str]:
        lines = (self._pending + block).split(b"\n")
        self._pending = lines.pop()
        return self._lines(lines)

    def end(self) -> list[str]:
        """The body ended: a last event not followed by a blank line still counts."""
        lines, self._pending = [self._pending, b""], b""
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[str]:
        complete = []
        for line in lines:
            line = line.removesuffix(b"\r")
            if not line:  # a blank line ends an event
                if self._data:
                    complete.append("\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                self._data.append((value[1:] if value.startswith(b" ") else value).decode("utf-8"))
        return complete


def _stream_error(error: object) -> ChatModelError:
    """An error sent inside the event stream (OpenAI-compatible servers do, mid-answer)."""
    error = error if isinstance(error, dict) else {"message": str(error)}
    code = str(error.get("code") or "").lower()
    message = str(error.get("message") or "")
    if code == "content_filter" or "content management policy" in message.lower():
        return ContentFiltered("the answer was cut by the content filter")
    if code in ("429", "rate_limit_exceeded"):
        return ModelBusy("chat model rate limited")
    return ChatModelError("chat model failed while streaming")


def _translate(exc: Exception) -> ChatModelError:
    """The SDK's exception as one of our kinds (messages carry no request data or secrets)."""
    from openai import APIConnectionError, APIStatusError, APITimeoutError, RateLimitError

    if isinstance(exc, APITimeoutError):
        if _refused(exc):  # the aiohttp transport reports any failed connect as a connect timeout
            return ChatModelError("chat model unreachable")
        return ModelTimeout("chat model timed out")
    if isinstance(exc, APIConnectionError):
        return ChatModelError("chat model unreachable")
    if isinstance(exc, RateLimitError):
        return ModelBusy("chat model rate limited", retry_after=_retry_after(exc.response.headers))
    if isinstance(exc, APIStatusError):
        code = (exc.code or "").lower()
        if code == "content_filter" or "content management policy" in exc.message.lower():
            return ContentFiltered("the prompt was refused by the content filter")
        if code == "context_length_exceeded" or (exc.status_code in (400, 413, 422)
                                                 and _CONTEXT_LENGTH.search(exc.message)):
            return ContextTooLong("the prompt does not fit the model's context window")
        return ChatModelError(f"chat model call failed: HTTP {exc.status_code}")
    return ChatModelError(f"chat model call failed: {exc.__class__.__name__}")


def _refused(exc: BaseException) -> bool:
    """Whether a refused or reset connection is behind `exc` (its chain of causes)."""
    seen = 0
    cause = exc.__cause__ or exc.__context__
    while cause is not None and seen < 10:
        if isinstance(cause, ConnectionError):
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


def _retry_after(headers) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds); None when absent or a date."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def build_chat_model(settings: Settings) -> OpenAIChat:
    """Azure OpenAI when its endpoint and chat deployment are set, else the OpenAI-compatible endpoint."""
    if settings.azure_openai_configured:
        from retrieval.embeddings import azure_openai_client_and_credential

        client, credential = azure_openai_client_and_credential(settings, http_client=_http_client(settings))
        model = settings.azure_openai_chat_deployment
    elif settings.llm_base_url and settings.llm_model:
        credential = None
        from openai import AsyncOpenAI

        # On-prem servers often ignore the key, but the SDK requires one.
        client = AsyncOpenAI(base_url=settings.llm_base_url, timeout=settings.llm_timeout_seconds,
                             api_key=settings.llm_api_key.get_secret_value() or "unused",
                             http_client=_http_client(settings))
        model = settings.llm_model
    else:
        raise ChatModelError("no chat model configured: set REIKI_AZURE_OPENAI_ENDPOINT with"
                             " REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT, or REIKI_LLM_BASE_URL with REIKI_LLM_MODEL")
    return OpenAIChat(client, model=model, max_tokens=settings.llm_max_answer_tokens, credential=credential)


def _http_client(settings: Settings):
    """The SDK's aiohttp transport (`openai.DefaultAioHttpClient`) instead of its default httpx
    one: reading a streamed body costs several times less CPU per chunk (bench/in_flight.py), which
    decides how many answers can stream at once. Timeouts, proxies from the environment and TLS
    verification stay the SDK's. The session it opens belongs to the event loop of the first call."""
    from openai import DefaultAioHttpClient

    return DefaultAioHttpClient(timeout=settings.llm_timeout_seconds)


def sync_completion(chat: ChatModel, runner: asyncio.Runner) -> Callable[[str], str]:
    """prompt -> reply text, run on `runner`'s loop (the client is bound to it): for synchronous
    callers such as the evaluation's LLM judge."""
    return lambda prompt: runner.run(chat.complete([ChatMessage("user", prompt)]))
