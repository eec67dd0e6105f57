"""The store protocol: JSON values under (partition, key), the shape of an Azure Table entity."""
from __future__ import annotations

from typing import Any, Protocol


class StateStore(Protocol):
    async def get(self, partition: str, key: str) -> Any | None:
        """The value stored under (partition, key), or None."""

    async def put(self, partition: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value, replacing any earlier one."""

    async def put_if_absent(self, partition: str, key: str, value: Any) -> bool:
        """Store only if nothing is stored under the key yet; True if this call stored it.
        Atomic across instances, so exactly one of several concurrent callers wins."""

    async def delete(self, partition: str, key: str) -> None:
        """Remove the key (no error if it is absent)."""

    async def values(self, partition: str) -> list[Any]:
        """Every value of a partition, ordered by key."""

    async def aclose(self) -> None: ...
