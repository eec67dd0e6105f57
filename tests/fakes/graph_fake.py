"""A FAKE of Microsoft Graph's group-membership endpoint on loopback, for tests.

Serves `GET /v1.0/users/{id}/transitiveMemberOf/microsoft.graph.group` the way Graph pages it:
`{"value": [{"@odata.type": "#microsoft.graph.group", "id": ...}], "@odata.nextLink": ...}`, 404
with Graph's error body for an unknown user, 401 without the expected bearer token. Tests script
the page size, an error status, a delay, or a next-page link to another host. `FakeCredential`
stands in for an azure.identity.aio credential (async `get_token(scope)`).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from azure.core.credentials import AccessToken

TOKEN = "fake-graph-token"


@dataclass
class FakeCredential:
    token: str = TOKEN
    scopes: list[tuple[str, ...]] = field(default_factory=list)
    closed: bool = False

    async def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, 2**31)

    async def close(self) -> None:
        self.closed = True


@dataclass
class FakeGraph:
    memberships: dict[str, list[str]] = field(default_factory=dict)  # object id -> group ids
    page_size: int = 2
    status: int = 200  # e.g. 403 (permission not granted), 429, 503
    delay_seconds: float = 0.0
    next_link_host: str | None = None  # a foreign host to put in @odata.nextLink
    requests: list[dict] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group", self._member_of)
        return app

    async def _member_of(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "query": dict(request.query),
                              "authorization": request.headers.get("Authorization")})
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        if self.status != 200:
            return _error(self.status, "serviceError", "scripted failure")
        user = request.match_info["user"]
        if user not in self.memberships:
            return _error(404, "Request_ResourceNotFound", f"Resource '{user}' does not exist.")
        if request.query.get("$select") != "id":
            return _error(400, "BadRequest", "this fake serves $select=id only")
        groups = self.memberships[user]
        start = int(request.query.get("$skiptoken", "0"))
        page = groups[start:start + self.page_size]
        body = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
                "value": [{"@odata.type": "#microsoft.graph.group", "id": g} for g in page]}
        if start + self.page_size < len(groups):
            host = self.next_link_host or f"{request.scheme}://{request.host}"
            body["@odata.nextLink"] = (f"{host}{request.path}?$select=id&$top=999"
                                       f"&$skiptoken={start + self.page_size}")
        return web.json_response(body)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
