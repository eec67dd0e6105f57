"""A chat model: Azure OpenAI (Entra ID or key) or any OpenAI-compatible endpoint (on-prem LLM server).

Only text goes in and out, and failures come out as our own `ChatModelError` kinds: the SDK's
request, response and exception types stay inside this module. Used by the LLM answerer
(streaming), the follow-up query rewriter and the evaluation's LLM judge.

The SDK's own retries are switched off: a chat user is waiting, so this module decides. A 429 is
retried once when the server asks for a short wait, anything else is reported at once and the
answerer falls back to quoting the articles.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Protocol

from settings import Settings

log = logging.getLogger("retrieval.chat_model")

# Longest retry-after we wait out once (seconds); Teams gives a turn ~15 s, so longer waits give up.
MAX_RETRY_AFTER_SECONDS = 5.0
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
        response = await self._call(messages, max_tokens=max_tokens, stream=False)
        choice = response.choices[0] if response.choices else None
        if choice is not None and choice.finish_reason == "content_filter":
            raise ContentFiltered("the answer was withheld by the content filter")
        text = choice.message.content if choice is not None else None
        if not text:
            raise ChatModelError("chat model returned no text")
        return text

    async def stream(self, messages: Sequence[ChatMessage], *,
                     max_tokens: int | None = None) -> AsyncGenerator[str, None]:
        from openai import OpenAIError

        chunks = await self._call(messages, max_tokens=max_tokens, stream=True)
        try:
            async for chunk in chunks:
                # Azure sends a first chunk with no choices (prompt filter results only).
                for choice in chunk.choices or ():
                    if choice.delta is not None and choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason == "content_filter":
                        raise ContentFiltered("the answer was cut by the content filter")
        except OpenAIError as exc:
            raise _translate(exc) from exc
        finally:
            await chunks.close()

    async def aclose(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def _call(self, messages: Sequence[ChatMessage], *, max_tokens: int | None, stream: bool):
        """One request; a 429 asking for a short wait is retried once after that wait."""
        from openai import OpenAIError

        request = {"model": self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
                   "temperature": 0, "max_tokens": max_tokens or self._max_tokens, "stream": stream}
        for attempt in (1, 2):
            try:
                return await self._client.chat.completions.create(**request)
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


def _translate(exc: Exception) -> ChatModelError:
    """The SDK's exception as one of our kinds (messages carry no request data or secrets)."""
    from openai import APIConnectionError, APIStatusError, APITimeoutError, RateLimitError

    if isinstance(exc, APITimeoutError):
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

        client, credential = azure_openai_client_and_credential(settings)
        model = settings.azure_openai_chat_deployment
    elif settings.llm_base_url and settings.llm_model:
        credential = None
        from openai import AsyncOpenAI

        # On-prem servers often ignore the key, but the SDK requires one.
        client = AsyncOpenAI(base_url=settings.llm_base_url, timeout=settings.llm_timeout_seconds,
                             api_key=settings.llm_api_key.get_secret_value() or "unused")
        model = settings.llm_model
    else:
        raise ChatModelError("no chat model configured: set REIKI_AZURE_OPENAI_ENDPOINT with"
                             " REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT, or REIKI_LLM_BASE_URL with REIKI_LLM_MODEL")
    return OpenAIChat(client, model=model, max_tokens=settings.llm_max_answer_tokens, credential=credential)


def sync_completion(chat: ChatModel, runner: asyncio.Runner) -> Callable[[str], str]:
    """prompt -> reply text, run on `runner`'s loop (the client is bound to it): for synchronous
    callers such as the evaluation's LLM judge."""
    return lambda prompt: runner.run(chat.complete([ChatMessage("user", prompt)]))
