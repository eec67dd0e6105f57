"""Outgoing replies to the Bot Connector: bounded in time, retried with back-off when the connector
says it is overloaded or failing.

botbuilder's ConnectorClient sends with `requests` in the event loop's default thread pool, with a
100 s timeout and a retry policy that (on urllib3 2) never retries a POST. A slow reply target
therefore held pool threads — the same threads that answering uses — for minutes. Each client the
connector factory hands out gets a short timeout and a retry policy for 429/5xx on POST that
honours Retry-After.
"""
from __future__ import annotations

from botframework.connector.auth import ConnectorFactory
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _ReplyRetryPolicy:
    """msrest calls its retry policy to get a urllib3 Retry for each session."""

    def __init__(self, retries: int, backoff_factor: float, max_backoff: float) -> None:
        self.retries = retries
        self.backoff_factor = backoff_factor
        self.max_backoff = max_backoff

    def __call__(self) -> Retry:
        return Retry(total=self.retries, connect=self.retries, read=0, status=self.retries,
                     backoff_factor=self.backoff_factor, backoff_max=self.max_backoff,
                     status_forcelist=RETRY_STATUSES, allowed_methods=None,  # None: POST too
                     respect_retry_after_header=True, raise_on_status=False)


class BoundedConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, *, timeout: float, retries: int = 2,
                 backoff_factor: float = 0.5, max_backoff: float = 5.0) -> None:
        self._inner = inner
        self._timeout = timeout
        self._retry_policy = _ReplyRetryPolicy(retries, backoff_factor, max_backoff)

    async def create(self, service_url: str, audience: str | None = None):
        client = await self._inner.create(service_url, audience)
        client.config.connection.timeout = self._timeout
        client.config.retry_policy = self._retry_policy
        return client
