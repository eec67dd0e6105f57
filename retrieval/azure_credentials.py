"""Entra ID credentials for the Azure backends (AI Search, OpenAI), built from settings.

Production uses a user-assigned managed identity (its client id in REIKI_AZURE_CLIENT_ID), so no
secret exists to leak; without one, DefaultAzureCredential (developer login, workload identity).
API keys are accepted only where a setting holds one (local protocol fakes, break-glass).
"""
from __future__ import annotations

from settings import Settings

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
SEARCH_SCOPE = "https://search.azure.com/.default"


def async_token_credential(settings: Settings):
    """An azure.identity.aio credential: the managed identity if named, else the default chain."""
    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

    if settings.azure_client_id:
        return ManagedIdentityCredential(client_id=settings.azure_client_id)
    return DefaultAzureCredential()


def sync_token_credential(settings: Settings):
    """The same choice for synchronous clients (the indexer runs as a batch job in a thread)."""
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if settings.azure_client_id:
        return ManagedIdentityCredential(client_id=settings.azure_client_id)
    return DefaultAzureCredential()


def graph_credential(settings: Settings):
    """Microsoft Graph (group membership): the app's client secret when one is configured for Graph,
    else the same managed identity / default chain as the other Azure clients."""
    if settings.graph_client_secret.get_secret_value():
        from azure.identity.aio import ClientSecretCredential

        return ClientSecretCredential(settings.graph_tenant_id, settings.graph_client_id,
                                      settings.graph_client_secret.get_secret_value())
    return async_token_credential(settings)
