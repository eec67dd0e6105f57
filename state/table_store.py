"""The state store on Azure Table Storage, shared by every app instance behind the Bot Service.

Partition and key map onto PartitionKey/RowKey. Teams ids contain characters a RowKey may not hold
('/', '#', '?'), and some are personal, so keys are stored as SHA-256 digests; the value is JSON
in one string property (well under the 64 KiB property limit: callers bound what they store).
The SDK is imported here only, and its types never leave this module.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

VALUE = "value"
SORT = "sort"  # the caller's key, so values() can keep the protocol's key order


def _row_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class TableStateStore:
    def __init__(self, client, credential=None) -> None:
        """`client` is an azure.data.tables.aio.TableClient; use `connect` to build one."""
        self._client = client
        self._credential = credential  # closed with the store when it was made for it
        self._created = False

    @classmethod
    def connect(cls, *, table: str, connection_string: str = "", endpoint: str = "",
                credential=None) -> TableStateStore:
        from azure.data.tables.aio import TableClient

        if connection_string:
            client = TableClient.from_connection_string(connection_string, table_name=table)
        else:
            client = TableClient(endpoint=endpoint, table_name=table, credential=credential)
        return cls(client, credential)

    async def _ensure_table(self) -> None:
        if self._created:
            return
        from azure.core.exceptions import ResourceExistsError

        try:
            await self._client.create_table()
        except ResourceExistsError:
            pass
        self._created = True

    def _entity(self, partition: str, key: str, value: Any) -> dict:
        return {"PartitionKey": partition, "RowKey": _row_key(key), SORT: key,
                VALUE: json.dumps(value, ensure_ascii=False)}

    async def get(self, partition: str, key: str) -> Any | None:
        from azure.core.exceptions import ResourceNotFoundError

        await self._ensure_table()
        try:
            entity = await self._client.get_entity(partition, _row_key(key))
        except ResourceNotFoundError:
            return None
        return json.loads(entity[VALUE])

    async def put(self, partition: str, key: str, value: Any) -> None:
        from azure.data.tables import UpdateMode

        await self._ensure_table()
        await self._client.upsert_entity(self._entity(partition, key, value), mode=UpdateMode.REPLACE)

    async def put_if_absent(self, partition: str, key: str, value: Any) -> bool:
        from azure.core.exceptions import ResourceExistsError

        await self._ensure_table()
        try:
            await self._client.create_entity(self._entity(partition, key, value))
        except ResourceExistsError:
            return False
        return True

    async def delete(self, partition: str, key: str) -> None:
        await self._ensure_table()
        await self._client.delete_entity(partition, _row_key(key))

    async def values(self, partition: str) -> list[Any]:
        await self._ensure_table()
        entities = self._client.query_entities("PartitionKey eq @p", parameters={"p": partition})
        rows = [(entity[SORT], json.loads(entity[VALUE])) async for entity in entities]
        return [value for _, value in sorted(rows, key=lambda row: row[0])]

    async def aclose(self) -> None:
        await self._client.close()
        close = getattr(self._credential, "close", None)
        if close is not None:
            await close()
