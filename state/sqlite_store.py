"""The default state store: one SQLite file (WAL), so state survives restarts with no service to run.

sqlite3 is synchronous; every call runs in a worker thread so the event loop never waits on disk.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    partition TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (partition, key)
) WITHOUT ROWID
"""


class SqliteStateStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def _run(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    async def get(self, partition: str, key: str) -> Any | None:
        def read():
            row = self._run("SELECT value FROM state WHERE partition=? AND key=?", (partition, key)).fetchone()
            return json.loads(row[0]) if row else None
        return await asyncio.to_thread(read)

    async def put(self, partition: str, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False)
        await asyncio.to_thread(self._run, "INSERT OR REPLACE INTO state VALUES (?, ?, ?)",
                                (partition, key, text))

    async def put_if_absent(self, partition: str, key: str, value: Any) -> bool:
        text = json.dumps(value, ensure_ascii=False)

        def insert() -> bool:
            return self._run("INSERT OR IGNORE INTO state VALUES (?, ?, ?)", (partition, key, text)).rowcount == 1
        return await asyncio.to_thread(insert)

    async def delete(self, partition: str, key: str) -> None:
        await asyncio.to_thread(self._run, "DELETE FROM state WHERE partition=? AND key=?", (partition, key))

    async def values(self, partition: str) -> list[Any]:
        def read():
            rows = self._run("SELECT value FROM state WHERE partition=? ORDER BY key", (partition,)).fetchall()
            return [json.loads(row[0]) for row in rows]
        return await asyncio.to_thread(read)

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()
