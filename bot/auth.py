"""Inbound authentication of Bot Framework requests, without ever blocking the event loop.

botbuilder's own JwtTokenValidation fetches the OpenID metadata and signing keys with `requests`
on the event loop, with no timeout, and does not remember a failed fetch: one forged token while
the metadata host is slow froze the whole server. Here:

- cheap checks first (header shape, algorithm, issuer, audience, expiry of the unverified claims),
  so a forged token costs no network call at all;
- keys fetched with aiohttp under a timeout, one fetch at a time, cached for a day; an unknown key
  id triggers at most one refresh per `MIN_REFRESH_SECONDS`; a failed fetch is remembered with an
  exponential back-off, so requests meanwhile fail at once instead of piling up;
- the signature and the remaining claims checked with PyJWT, then the serviceUrl claim.

The result is handed to botbuilder as an AuthenticateRequestResult, so its CloudAdapter never runs
its own synchronous validation. Only channel tokens (issuer https://api.botframework.com) are
accepted: this bot is not a skill and takes no emulator tokens.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ServiceClientCredentialsFactory,
)
from jwt.algorithms import RSAAlgorithm

from bot.edge_outbound import BoundedConnectorFactory

log = logging.getLogger(__name__)

ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # https://api.botframework.com
ALGORITHMS = ("RS256", "RS384", "RS512")
LEEWAY_SECONDS = 300  # the Bot Framework's own clock tolerance
MAX_HEADER_CHARS = 16_384
MAX_DOCUMENT_BYTES = 1024 * 1024
REFRESH_SECONDS = 24 * 3600
MIN_REFRESH_SECONDS = 300
BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0


class Unauthorized(Exception):
    """The request's token is missing or invalid (HTTP 401). The message is for logs only."""


class KeysUnavailable(Exception):
    """The signing keys could not be fetched (HTTP 503: a transient server-side problem)."""


@dataclass
class _Key:
    public_key: Any  # what RSAAlgorithm.from_jwk returns; jwt.decode checks its kind
    endorsements: tuple[str, ...] = field(default_factory=tuple)


class SigningKeys:
    """The Bot Framework's signing keys, from its OpenID metadata document, cached."""

    def __init__(self, metadata_url: str, *, timeout: float, clock=time.monotonic) -> None:
        self._metadata_url = metadata_url
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, _Key] | None = None
        self._fetched_at = float("-inf")
        self._failures = 0
        self._retry_at = float("-inf")
        self._inflight: asyncio.Future | None = None
        self._session: aiohttp.ClientSession | None = None
        self.fetches = 0  # for tests and /healthz-style diagnostics

    async def find(self, kid: str) -> _Key | None:
        now = self._clock()
        if self._keys is None or now - self._fetched_at > REFRESH_SECONDS:
            await self._refresh(keep_stale=self._keys is not None)
        key = self._keys.get(kid) if self._keys else None
        if key is None and self._clock() - self._fetched_at > MIN_REFRESH_SECONDS:
            # Keys rotate: an unknown id may be a new key. At most one such refresh per interval,
            # so a stream of made-up ids cannot turn into a stream of fetches.
            await self._refresh(keep_stale=True)
            key = self._keys.get(kid) if self._keys else None
        return key

    async def _refresh(self, *, keep_stale: bool) -> None:
        if self._inflight is None:
            if self._clock() < self._retry_at:
                if keep_stale:
                    return
                raise KeysUnavailable("signing keys unavailable (recent fetch failed; backing off)")
            self._inflight = asyncio.ensure_future(self._fetch())
            self._inflight.add_done_callback(self._fetch_done)
        try:
            # shield: a client that disconnects must not cancel the fetch others are waiting for
            await asyncio.shield(self._inflight)
        except KeysUnavailable:
            if not keep_stale:
                raise

    def _fetch_done(self, future: asyncio.Future) -> None:
        self._inflight = None
        if not future.cancelled():
            future.exception()  # marks it retrieved even when nobody waits any more

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            async with asyncio.timeout(self._timeout):
                metadata = await self._get_json(self._metadata_url)
                jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
                if not isinstance(jwks_uri, str):
                    raise ValueError("OpenID metadata has no jwks_uri")
                keys = _parse_jwks(await self._get_json(jwks_uri))
        except Exception as exc:  # any failure: remember it and back off
            self._failures += 1
            delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (self._failures - 1))
            self._retry_at = self._clock() + delay
            log.warning("could not fetch the Bot Framework signing keys (%s); next try in %.0f s",
                        exc.__class__.__name__, delay)
            raise KeysUnavailable("signing keys unavailable") from exc
        self._keys, self._fetched_at = keys, self._clock()
        self._failures, self._retry_at = 0, float("-inf")
        log.info("fetched %d Bot Framework signing keys", len(keys))

    async def _get_json(self, url: str):
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        async with self._session.get(url, allow_redirects=False) as response:
            response.raise_for_status()
            body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError("OpenID document too large")
            return json.loads(body)

    async def aclose(self) -> None:
        if self._inflight is not None:
            self._inflight.cancel()
        if self._session is not None:
            await self._session.close()


def _parse_jwks(document) -> dict[str, _Key]:
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("JWKS has no keys")
    keys: dict[str, _Key] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        endorsements = entry.get("endorsements") or ()
        keys[entry["kid"]] = _Key(public_key, tuple(e for e in endorsements if isinstance(e, str)))
    return keys


class TokenValidator:
    """Checks `Authorization: Bearer <jwt>` as the Bot Framework Connector sends it."""

    def __init__(self, *, app_id: str, keys: SigningKeys) -> None:
        self._app_id = app_id
        self.keys = keys

    async def validate(self, auth_header: str | None, *, channel_id: str | None, service_url: str) -> dict:
        if not auth_header:
            raise Unauthorized("no Authorization header")
        if len(auth_header) > MAX_HEADER_CHARS:
            raise Unauthorized("Authorization header too long")
        scheme, _, token = auth_header.partition(" ")
        if scheme != "Bearer" or not token or " " in token:
            raise Unauthorized("not a Bearer token")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("malformed token") from exc
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise Unauthorized(f"algorithm {str(algorithm)[:20]!r} not allowed")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("token has no key id")
        # Cheap claim checks before any key lookup: a forged token costs no network call.
        _check_claims_shape(unverified, app_id=self._app_id)

        key = await self.keys.find(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        if key.endorsements and channel_id not in key.endorsements:
            raise Unauthorized("signing key not endorsed for this channel")
        try:
            claims = jwt.decode(token, key.public_key, algorithms=[algorithm], audience=self._app_id,
                                issuer=ISSUER, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iss", "aud"]})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized(f"token rejected: {exc.__class__.__name__}") from exc
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("serviceUrl does not match the token")
        return claims


def _check_claims_shape(claims: dict, *, app_id: str) -> None:
    if claims.get("iss") != ISSUER:
        raise Unauthorized("wrong issuer")
    audience = claims.get("aud")
    if not (audience == app_id or (isinstance(audience, list) and app_id in audience)):
        raise Unauthorized("wrong audience")
    now = time.time()
    expires, not_before = claims.get("exp"), claims.get("nbf")
    if not isinstance(expires, (int, float)) or expires + LEEWAY_SECONDS < now:
        raise Unauthorized("expired")
    if not_before is not None and (not isinstance(not_before, (int, float)) or not_before - LEEWAY_SECONDS > now):
        raise Unauthorized("not yet valid")


def authenticated_request(auth: BotFrameworkAuthentication, claims: dict | None, *,
                          reply_timeout: float = 15.0) -> AuthenticateRequestResult:
    """What botbuilder's own authenticate_request would return, for claims we already checked
    (None = anonymous local development); replies are bounded by `reply_timeout` per attempt."""
    result = AuthenticateRequestResult()
    if claims is None:
        result.claims_identity = ClaimsIdentity({}, True, AuthenticationConstants.ANONYMOUS_AUTH_TYPE)
        result.caller_id = None
    else:
        result.claims_identity = ClaimsIdentity(claims, True)
        result.caller_id = CallerIdConstants.public_azure_channel
    result.audience = auth.get_originating_audience()
    result.connector_factory = BoundedConnectorFactory(auth.create_connector_factory(result.claims_identity),
                                                       timeout=reply_timeout)
    return result


class PrefetchingCredentialFactory(ServiceClientCredentialsFactory):
    """Outgoing credentials, cached and with their token fetched off the event loop.

    botbuilder makes new MicrosoftAppCredentials (so a new, empty MSAL token cache) for every turn,
    and msrest calls their synchronous `signed_session` on the event loop: each reply fetched an
    Entra token with blocking I/O. Here one credentials object per (app, scope, authority) is kept,
    and its token is fetched in a worker thread, under a timeout, before the connector uses it;
    the synchronous call then finds it in MSAL's cache.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory, *, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout
        self._credentials: dict[tuple, object] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self._inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self._inner.is_authentication_disabled()

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool):
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        credentials = self._credentials.get(key)
        if credentials is None:
            credentials = await self._inner.create_credentials(app_id, oauth_scope, login_endpoint,
                                                               validate_authority)
            self._credentials[key] = credentials
        if app_id and hasattr(credentials, "get_access_token"):
            await asyncio.wait_for(asyncio.to_thread(credentials.get_access_token), self._timeout)
        return credentials
