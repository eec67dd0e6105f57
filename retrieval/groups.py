"""Who may see restricted documents: the asker's Entra object id -> the group ids they belong to.

Teams tells the bot who is asking (the Entra object id) but not their groups, so the pipeline asks
a `GroupResolver` before searching:

- `GraphGroupResolver`: Microsoft Graph `transitiveMemberOf` (nested groups included), with the
  app's own credentials (azure-identity: a client secret, or the managed identity);
- `MappingGroupResolver`: a YAML or JSON file kept by an admin, where Graph is out of reach (LGWAN);
- `CachedGroupResolver` in front of either: answers from memory for a while, and turns any failure
  into "no groups" with a log line. Failing closed means an asker sees public documents only.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import yaml

if TYPE_CHECKING:  # aiohttp is imported when Graph is first asked
    import aiohttp

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# An Entra object id is a GUID; anything else is refused before it reaches a URL.
_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class GroupLookupError(Exception):
    """The groups of a user could not be learned; the message names the cause, never a secret."""


class GroupResolver(Protocol):
    async def groups_of(self, user_id: str) -> tuple[str, ...]:
        """The ids of every group the user belongs to (directly or through other groups)."""
        ...

    async def aclose(self) -> None: ...


class MappingGroupResolver:
    """Groups from an admin's file (YAML or JSON), read once at start-up:

        groups:                 # group id -> its members' object ids
          hr-staff: [3f2c..., 9a1b...]
        users:                  # and/or: object id -> their group ids
          3f2c...: [it-admin]
    """

    def __init__(self, path: Path) -> None:
        self._by_user = _read_mapping(path)

    async def groups_of(self, user_id: str) -> tuple[str, ...]:
        return self._by_user.get(user_id.lower(), ())

    async def aclose(self) -> None:
        """Nothing to release."""


def _read_mapping(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"group mapping file {path}: cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or set(data) - {"groups", "users"}:
        raise ValueError(f"group mapping file {path}: expected a mapping with 'groups' and/or 'users'")
    by_user: dict[str, set[str]] = {}
    for group, members in _string_lists(data.get("groups"), path, "groups").items():
        for member in members:
            by_user.setdefault(member.lower(), set()).add(group)
    for user, groups in _string_lists(data.get("users"), path, "users").items():
        by_user.setdefault(user.lower(), set()).update(groups)
    return {user: tuple(sorted(groups)) for user, groups in by_user.items()}


def _string_lists(section: Any, path: Path, name: str) -> dict[str, list[str]]:
    if section is None:
        return {}
    if not isinstance(section, dict) or not all(
            isinstance(key, str) and isinstance(values, list) and all(isinstance(v, str) for v in values)
            for key, values in section.items()):
        raise ValueError(f"group mapping file {path}: '{name}' must map ids to lists of ids (strings)")
    return section


class GraphGroupResolver:
    """`GET /v1.0/users/{id}/transitiveMemberOf/microsoft.graph.group?$select=id`, every page.

    Needs the application permission GroupMember.Read.All (or Directory.Read.All) granted to the
    bot's identity. `credential` is an azure.identity.aio credential (or anything with an async
    `get_token(scope)`); `base_url` is Graph's, or a local fake's in tests.
    """

    def __init__(self, *, credential, base_url: str = "https://graph.microsoft.com",
                 timeout_seconds: float = 5.0, max_pages: int = 50) -> None:
        self._credential = credential
        self._base = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._max_pages = max_pages
        self._session: aiohttp.ClientSession | None = None  # made on first use, in the serving loop

    async def groups_of(self, user_id: str) -> tuple[str, ...]:
        if not _OBJECT_ID.match(user_id or ""):
            raise GroupLookupError("the user id is not an Entra object id")
        try:
            async with asyncio.timeout(self._timeout):
                return await self._all_pages(user_id)
        except TimeoutError:
            raise GroupLookupError(f"Microsoft Graph did not answer within {self._timeout:g} s") from None

    async def _all_pages(self, user_id: str) -> tuple[str, ...]:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession()
        token = (await self._credential.get_token(GRAPH_SCOPE)).token
        url: str = (f"{self._base}/v1.0/users/{quote(user_id, safe='')}"
                           "/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999")
        groups: list[str] = []
        for _ in range(self._max_pages):
            async with self._session.get(url, headers={"Authorization": f"Bearer {token}"},
                                         allow_redirects=False) as response:
                if response.status != 200:
                    raise GroupLookupError(f"Microsoft Graph answered HTTP {response.status}")
                try:
                    page = await response.json(content_type=None)
                except ValueError:
                    raise GroupLookupError("Microsoft Graph answered with something that is not JSON") from None
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise GroupLookupError("Microsoft Graph answered without a 'value' list")
            groups.extend(item["id"] for item in page["value"]
                          if isinstance(item, dict) and isinstance(item.get("id"), str))
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return tuple(dict.fromkeys(groups))
            if not isinstance(next_link, str) or not next_link.startswith(self._base + "/"):
                # Our bearer token goes to Graph only, whatever a response says.
                raise GroupLookupError("Microsoft Graph's next page link points elsewhere")
            url = next_link
        raise GroupLookupError(f"more than {self._max_pages} pages of groups")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        close = getattr(self._credential, "close", None)
        if close is not None:
            await close()


@dataclass(frozen=True)
class _Entry:
    groups: tuple[str, ...]
    expires: float


class CachedGroupResolver:
    """Remembers each user's groups for `ttl_seconds`; a failure gives no groups (public documents
    only), is logged, and is remembered for a shorter while so a failing Graph is not hammered."""

    def __init__(self, inner: GroupResolver, *, ttl_seconds: float = 300.0, failure_ttl_seconds: float = 30.0,
                 max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self._ttl = ttl_seconds
        self._failure_ttl = min(failure_ttl_seconds, ttl_seconds)
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._pending: dict[str, asyncio.Future] = {}

    async def groups_of(self, user_id: str) -> tuple[str, ...]:
        entry = self._entries.get(user_id)
        if entry is not None and entry.expires > self._clock():
            return entry.groups
        pending = self._pending.get(user_id)
        if pending is not None:  # one lookup per user at a time; others wait for its answer
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[user_id] = future
        try:
            groups, ttl = await self._lookup(user_id)
            self._remember(user_id, groups, ttl)
            future.set_result(groups)
            return groups
        except BaseException:
            future.set_result(())
            raise
        finally:
            del self._pending[user_id]

    async def _lookup(self, user_id: str) -> tuple[tuple[str, ...], float]:
        try:
            return tuple(await self.inner.groups_of(user_id)), self._ttl
        except Exception as exc:  # noqa: BLE001 - any failure must fail closed, never reach the user
            # The user id is personal data: only the cause is logged.
            log.warning("group lookup failed, answering from public documents only: %s",
                        exc if isinstance(exc, GroupLookupError) else exc.__class__.__name__)
            return (), self._failure_ttl

    def _remember(self, user_id: str, groups: tuple[str, ...], ttl: float) -> None:
        self._entries[user_id] = _Entry(groups, self._clock() + ttl)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        await self.inner.aclose()
