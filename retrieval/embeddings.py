"""Embeddings through Azure OpenAI, for the Azure index's vector field (indexing and queries).

The SDK's response types stay inside this module: callers get plain lists of floats.
"""
from __future__ import annotations

from collections.abc import Sequence

from settings import Settings

MAX_BATCH = 16  # inputs per request: small batches keep each call well inside its timeout


class EmbeddingError(RuntimeError):
    """The embedding endpoint failed; the message names no secret."""


class AzureOpenAIEmbedder:
    def __init__(self, settings: Settings, *, client=None) -> None:
        self._deployment = settings.azure_openai_embedding_deployment
        self._dimensions = settings.azure_openai_embedding_dimensions
        self._credential = None
        if client is None:
            client, self._credential = azure_openai_client_and_credential(settings)
        self._client = client

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from openai import OpenAIError

        vectors: list[list[float]] = []
        for start in range(0, len(texts), MAX_BATCH):
            batch = list(texts[start:start + MAX_BATCH])
            try:
                response = await self._client.embeddings.create(
                    model=self._deployment, input=batch, dimensions=self._dimensions)
            except OpenAIError as exc:
                raise EmbeddingError(f"embedding call failed: {exc.__class__.__name__}") from exc
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        return vectors

    async def aclose(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()


def azure_openai_client_and_credential(settings: Settings, *, http_client=None):
    """An AsyncAzureOpenAI client (Entra ID bearer tokens unless a key is configured) and the token
    credential it owns (None with a key): the caller closes both. `http_client`: the SDK's HTTP
    client to use instead of its default one."""
    from openai import AsyncAzureOpenAI

    key = settings.azure_openai_api_key.get_secret_value()
    auth: dict = {"api_key": key}
    credential = None
    if not key:
        from azure.identity.aio import get_bearer_token_provider

        from retrieval.azure_credentials import COGNITIVE_SERVICES_SCOPE, async_token_credential

        credential = async_token_credential(settings)
        auth = {"azure_ad_token_provider": get_bearer_token_provider(credential, COGNITIVE_SERVICES_SCOPE)}
    client = AsyncAzureOpenAI(azure_endpoint=settings.azure_openai_endpoint,
                              api_version=settings.azure_openai_api_version,
                              timeout=settings.llm_timeout_seconds, max_retries=2, http_client=http_client, **auth)
    return client, credential
