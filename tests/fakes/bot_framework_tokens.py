"""A local stand-in for the Bot Framework's token signing: RSA keys made in the test, served as an
OpenID metadata document and a JWKS on loopback, and tokens minted as the Bot Connector would."""
from __future__ import annotations

import asyncio
import base64
import time

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
APP_ID = "00000000-0000-0000-0000-0000000000b0"
APP_PASSWORD = "test-app-password-long-enough-for-an-hs256-key"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOpenIdServer:
    """Serves /openid (metadata) and /keys (JWKS); `delay` slows both, `fail` makes them 500."""

    def __init__(self, kid: str = "key-1") -> None:
        self.kid = kid
        self.key = new_key()
        self.delay = 0.0
        self.fail = False
        self.requests = 0
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        self.server = TestServer(app)

    async def start(self) -> FakeOpenIdServer:
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    @property
    def metadata_url(self) -> str:
        return str(self.server.make_url("/openid"))

    async def _slow(self):
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise web.HTTPInternalServerError()

    async def _metadata(self, _request):
        await self._slow()
        return web.json_response({"issuer": ISSUER, "jwks_uri": str(self.server.make_url("/keys")),
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, _request):
        await self._slow()
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", endorsements=["msteams", "webchat"])
        return web.json_response({"keys": [jwk]})

    def token(self, service_url: str, *, key=None, kid: str | None = None, algorithm: str = "RS256",
              **overrides) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10,
                  "exp": now + 3600, "iat": now - 10}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm=algorithm, headers={"kid": kid or self.kid})


def unsigned_token(claims: dict, header: dict) -> str:
    def part(value: dict) -> str:
        import json
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."
