"""A StateStore in process memory: for tests and for a bot built without persistence. The app
itself always uses SQLite or Azure Table Storage (state/factory.py), so state survives restarts."""
from __future__ import annotations

import copy
from typing import Any


class MemoryStateStore:
    def __init__(self) -> None:
        self._data: dict[tuple[str, str], Any] = {}

    async def get(self, partition: str, key: str) -> Any | None:
        return copy.deepcopy(self._data.get((partition, key)))

    async def put(self, partition: str, key: str, value: Any) -> None:
        self._data[(partition, key)] = copy.deepcopy(value)

    async def put_if_absent(self, partition: str, key: str, value: Any) -> bool:
        if (partition, key) in self._data:
            return False
        self._data[(partition, key)] = copy.deepcopy(value)
        return True

    async def delete(self, partition: str, key: str) -> None:
        self._data.pop((partition, key), None)

    async def values(self, partition: str) -> list[Any]:
        return [copy.deepcopy(v) for (p, _), v in sorted(self._data.items(), key=lambda kv: kv[0]) if p == partition]

    async def aclose(self) -> None:
        pass
