"""A chat model behind an OpenAI-compatible endpoint (an on-prem LLM server, or OpenAI itself).

Only text goes in and out: the SDK's response types stay inside this module. Used by the
evaluation's LLM judge; the answerer can use the same protocol.
"""
from __future__ import annotations

from typing import Protocol


class ChatModel(Protocol):
    def complete(self, prompt: str, *, system: str | None = None) -> str:
        """The model's reply text to one user prompt."""


class ChatModelError(RuntimeError):
    """The endpoint failed or answered with no text; the message names no secret."""


class OpenAICompatibleChat:
    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float = 60.0,
                 max_tokens: int = 512) -> None:
        from openai import OpenAI

        # On-prem servers often ignore the key, but the SDK requires one.
        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=2)
        self._model = model
        self._max_tokens = max_tokens

    def complete(self, prompt: str, *, system: str | None = None) -> str:
        from openai import OpenAIError

        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}]
        try:
            response = self._client.chat.completions.create(
                model=self._model, messages=messages, temperature=0, max_tokens=self._max_tokens)
        except OpenAIError as exc:
            raise ChatModelError(f"chat model call failed: {exc.__class__.__name__}") from exc
        text = response.choices[0].message.content if response.choices else None
        if not text:
            raise ChatModelError("chat model returned no text")
        return text
