"""The one storage interface every service uses, and its SQLite implementation.

SQL is portable and uses ``?`` placeholders; the PostgreSQL backend (``smlog.store.postgres``)
implements ``Database`` by numbering them (``smlog.store.dialect``). Writes happen inside
``transaction()``; reads outside a transaction may run concurrently. ``docs/storage.md``
describes both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from smlog.errors import StoreError
from smlog.store.dialect import SQLITE

Params = Sequence[Any]
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

# How long a connection waits for a lock held by another process before it gives up.
BUSY_TIMEOUT_SECONDS = 30.0
# The writer waits for another process's write transaction in short polls from the event loop
# instead of SQLite's busy handler, whose sleeps grow to 100 ms: a process that writes back to
# back (dispatch under load) would otherwise take the lock again and again before the other
# one (status) wakes up, starving it for seconds.
_WRITER_BUSY_MS = 2
_INCREMENTAL = 2  # PRAGMA auto_vacuum value
_VACUUM_PAGES = 10_000  # pages (4 KiB) given back per purge pass at most
_BEGIN_RETRY_SECONDS = 0.001


class Row(Protocol):
    def __getitem__(self, key: int | str) -> Any: ...

    def keys(self) -> list[str]: ...


class Transaction(Protocol):
    # The backend's dialect, as on ``Database``: pass it to ``smlog.store.dialect.row_lock``.
    dialect: str

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the affected row count."""
        ...

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int: ...

    def queue(self, sql: str, rows: Iterable[Params]) -> None:
        """A write whose row count nobody needs, sent without waiting for it: queued writes run
        in order, before the next statement and before the commit, and an error in one is
        raised there (so the transaction rolls back). A transaction that ends in a burst of
        writes then holds the write lock for one round trip instead of one per statement."""
        ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> int:
        """Bulk insert of whole rows into ``table`` (names from code, never from a user):
        PostgreSQL's COPY, SQLite's ``executemany``. Returns the row count."""
        ...

    async def next_ids(self, table: str, count: int) -> list[int]:
        """``count`` new ids of ``table``'s ``id`` column, given out by the database, for rows
        this transaction inserts with them (a key derived from the id is known before the
        insert). PostgreSQL takes them from the identity sequence, so processes writing at
        once never get the same id; SQLite numbers after the largest id, exact because its
        write transactions run one at a time."""
        ...

    def notify(self, channel: str, payload: str) -> None:
        """Tell the processes listening on ``channel`` (``Database.listening``) once this
        transaction commits (PostgreSQL's NOTIFY; nothing on SQLite, whose writers are one
        process). ``channel`` comes from code; ``payload`` is short (an id)."""
        ...


class Database(Protocol):
    # "sqlite" or "postgres" (smlog.store.dialect): the store picks per-dialect SQL with it.
    dialect: str

    def migration_lock(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while migrating, so that one process at a time applies migrations."""
        ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    def stream(self, sql: str, params: Params = (), batch: int = 2000) -> AsyncIterator[list[Row]]:
        """Rows in batches, without holding the whole result in memory."""
        ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]: ...

    def listening(
        self, channels: Sequence[str], on_notice: Callable[[str, str], None]
    ) -> contextlib.AbstractAsyncContextManager[bool]:
        """While the block runs, ``on_notice(channel, payload)`` is called for each notice
        committed on ``channels`` by any process (PostgreSQL's LISTEN, on a connection of its
        own that is opened again if it drops; after a drop, ``on_notice(channel, "")`` says
        notices may have been missed). Yields whether notices come at all: False on SQLite,
        where callers keep their polls."""
        ...

    def read_snapshot(self) -> contextlib.AbstractAsyncContextManager[ReadOnly]:
        """Reads that all see the store at one moment (a long report, say), on a connection
        of their own so they never hold one of the shared readers."""
        ...

    async def reclaim_space(self, tables: Sequence[str]) -> None:
        """Give the space of deleted rows back (after a retention purge): SQLite's incremental
        vacuum, PostgreSQL's ordinary VACUUM of ``tables`` (names from code, never input)."""
        ...

    async def close(self) -> None: ...


class ReadOnly(Protocol):
    dialect: str

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]: ...


class _SqliteReader:
    """Reads on one connection; inside ``read_snapshot`` they share one read transaction."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        # One round trip that finishes the statement: a cursor left open across an await
        # keeps the connection's read snapshot, and every query that other tasks run on a
        # shared reader meanwhile would see the store as it was (stale reads).
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]:
        async with self._conn.execute(sql, params) as cursor:
            while rows := await cursor.fetchmany(batch):
                yield list(rows)


class _SqliteTransaction:
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._queued: list[asyncio.Task[Any]] = []

    def queue(self, sql: str, rows: Iterable[Params]) -> None:
        batch = list(rows)
        if batch:
            # Tasks start in creation order, and each hands its statement to the connection's
            # thread before its first await: the queued writes run in order, back to back.
            self._queued.append(asyncio.ensure_future(self._run_many(sql, batch)))

    async def _run_many(self, sql: str, rows: list[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def flush(self) -> None:
        """Wait for the queued writes; the first error is raised once all have finished."""
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        results = await asyncio.gather(*queued, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def discard(self) -> None:
        """Wait for the queued writes, ignoring their errors (the caller rolls back)."""
        queued, self._queued = self._queued, []
        await asyncio.gather(*queued, return_exceptions=True)

    async def execute(self, sql: str, params: Params = ()) -> int:
        await self.flush()
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        await self.flush()
        cursor = await self._conn.execute(sql, params)
        return int(cursor.lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        await self.flush()
        cursor = await self._conn.executemany(sql, rows)
        return cursor.rowcount

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        await self.flush()
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def next_ids(self, table: str, count: int) -> list[int]:
        if count <= 0:
            return []
        row = await self.fetch_one(
            f"SELECT COALESCE(MAX(id), 0) FROM {identifier(table)}"  # noqa: S608 - a code name
        )
        last = int(row[0]) if row is not None else 0
        return list(range(last + 1, last + 1 + count))

    def notify(self, channel: str, payload: str) -> None:
        """Nothing to do: one process writes an SQLite store's dispatch work."""

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> int:
        names = ", ".join(identifier(name) for name in columns)
        marks = ", ".join("?" * len(columns))
        batch = list(rows)
        await self.executemany(
            f"INSERT INTO {identifier(table)} ({names}) VALUES ({marks})",  # noqa: S608
            batch,
        )
        return len(batch)


def identifier(name: str) -> str:
    """``name`` if it is a plain SQL identifier; StoreError otherwise."""
    if not _IDENTIFIER.fullmatch(name):
        raise StoreError(f"not a plain SQL identifier: {name!r}")
    return name


class SqliteDatabase:
    """SQLite in WAL mode: one writer connection (serialized, ``BEGIN IMMEDIATE``) and a few
    reader connections. Several processes may open the same file."""

    dialect = SQLITE

    def __init__(
        self, path: str, writer: aiosqlite.Connection | None, readers: list[aiosqlite.Connection]
    ) -> None:
        self.path = path
        self._writer = writer
        self._readers = readers
        self._reader_views = [_SqliteReader(conn) for conn in readers]
        self._next_reader = itertools.cycle(range(len(readers)))
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str, *, readers: int = 2, read_only: bool = False) -> SqliteDatabase:
        if path != ":memory:":
            target = Path(path)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create directory for {path}: {exc.strerror}") from None
        try:
            writer = None if read_only else await _connect(path, read_only=False)
            reader_conns = [await _connect(path, read_only=True) for _ in range(readers)]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: {exc}") from None
        return cls(path, writer, reader_conns)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._reader_views[next(self._next_reader)].fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self._reader_views[next(self._next_reader)].fetch_one(sql, params)

    async def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]:
        async with self.read_snapshot() as reader:
            async for rows in reader.stream(sql, params, batch):
                yield rows

    @contextlib.asynccontextmanager
    async def read_snapshot(self) -> AsyncIterator[ReadOnly]:
        try:
            conn = await _connect(self.path, read_only=True)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        try:
            if self.path != ":memory:":
                # A deferred read transaction takes its WAL snapshot at its first read.
                await conn.execute("BEGIN")
                await conn.execute_fetchall("SELECT count(*) FROM sqlite_master")
            yield _SqliteReader(conn)
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def listening(
        self, channels: Sequence[str], on_notice: Callable[[str, str], None]
    ) -> AsyncIterator[bool]:
        yield False  # no notices: one process writes, and it wakes its own loops

    @contextlib.asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        # Each migration runs in its own BEGIN IMMEDIATE transaction and checks whether it is
        # applied already, which serializes processes on one file without another lock.
        yield

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._writer is None:
            raise StoreError(f"{self.path}: opened read-only")
        async with self._write_lock:
            await _begin_immediate(self._writer)
            tx = _SqliteTransaction(self._writer)
            try:
                yield tx
                await tx.flush()
            except BaseException:
                await tx.discard()  # queued writes finish before they are rolled back
                await self._writer.rollback()
                raise
            else:
                await self._writer.commit()

    async def reclaim_space(self, tables: Sequence[str]) -> None:
        # Only a store created with auto_vacuum = INCREMENTAL (a file created since ``_connect``
        # sets it) can hand pages back without a full VACUUM; an older file keeps its
        # free pages and reuses them for new rows.
        if self._writer is None:
            return
        async with self._write_lock:
            mode = await self._writer.execute_fetchall("PRAGMA auto_vacuum")
            if int(next(iter(mode))[0]) == _INCREMENTAL:
                # As a script: a plain execute steps the pragma once, freeing a single page.
                await self._writer.executescript(f"PRAGMA incremental_vacuum({_VACUUM_PAGES});")

    async def close(self) -> None:
        for conn in [*self._readers, *([self._writer] if self._writer else [])]:
            await conn.close()
        self._readers = []
        self._reader_views = []
        self._writer = None


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))
    return "locked" in str(exc) or "busy" in str(exc)


async def _begin_immediate(conn: aiosqlite.Connection) -> None:
    """``BEGIN IMMEDIATE``, polling every millisecond or so while another process writes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(_BEGIN_RETRY_SECONDS)


# Page cache of each reader connection, KiB (memory is taken only as pages are read).
READER_CACHE_KIB = 65_536


async def _connect(path: str, *, read_only: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            # Takes effect only in a new, empty file (before its first table): lets a retention
            # purge give pages back with PRAGMA incremental_vacuum (docs/retention.md).
            await conn.execute(f"PRAGMA auto_vacuum = {_INCREMENTAL}")
            mode = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            if path != ":memory:" and next(iter(mode))[0] != "wal":
                raise StoreError(f"{path}: cannot switch to WAL mode")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute(f"PRAGMA busy_timeout = {_WRITER_BUSY_MS}")
        else:
            await conn.execute("PRAGMA query_only = ON")
            # Lists and counts look messages up by id in narrow indexes; with SQLite's
            # default 2 MB page cache each lookup goes back to the OS for its pages.
            await conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        # Touch the schema so a corrupt or non-database file fails here, not mid-request.
        await conn.execute_fetchall("SELECT count(*) FROM sqlite_master")
    except BaseException:
        await conn.close()
        raise
    return conn
