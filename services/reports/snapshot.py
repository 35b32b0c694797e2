"""One read transaction for the whole report: header, counts and rows from the same moment.

A report reads the message, its Delivery Summary counters, the row count (printed in the
header, before any row) and then streams every row. While a campaign is still running,
statuses change between those reads; reading them all inside one SQLite read transaction
(WAL snapshot isolation) makes "Recipient Details Rows: N" match the N rows that follow and
the summary match the rows. The snapshot is a dedicated read-only connection, so a long
report never occupies one of the service's shared reader connections.

``read_snapshot(db)`` yields an object with the read half of ``smlog.store.Database``; for a
store other than an SQLite file it yields ``db`` itself (no snapshot).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator

import aiosqlite

from smlog.errors import StoreError
from smlog.store import Database, Row, SqliteDatabase, Transaction
from smlog.store.database import Params


class SqliteSnapshot:
    """A read-only connection inside one open read transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]:
        async with self._conn.execute(sql, params) as cursor:
            while rows := await cursor.fetchmany(batch):
                yield list(rows)

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        raise StoreError("a report snapshot is read-only")

    async def close(self) -> None:
        await self._conn.close()


async def _open(path: str) -> SqliteSnapshot:
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute("PRAGMA busy_timeout = 30000")
        await conn.execute("PRAGMA query_only = ON")
        await conn.execute("BEGIN")
        # A deferred transaction takes its snapshot at the first read.
        await conn.execute_fetchall("SELECT count(*) FROM sqlite_master")
    except BaseException:
        await conn.close()
        raise
    return SqliteSnapshot(conn)


@contextlib.asynccontextmanager
async def read_snapshot(db: Database) -> AsyncIterator[Database]:
    if not isinstance(db, SqliteDatabase) or db.path == ":memory:":
        yield db
        return
    try:
        snapshot = await _open(db.path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db.path}: {exc}") from None
    try:
        yield snapshot
    finally:
        await snapshot.close()
