"""The store on PostgreSQL, through asyncpg: the same ``Database`` interface as SQLite.

One connection pool per process (``db_pool_size`` connections, see ``docs/storage.md``).
Statements are the services' portable SQL with ``?`` placeholders, numbered here; asyncpg
prepares and caches each statement per connection. Writes run in ``transaction()`` at READ
COMMITTED; ``read_snapshot()`` and ``stream()`` run in a REPEATABLE READ, read-only transaction,
so every read of a long report sees the store at one moment.

The pool outlives a restart of the server: what is safe to run again is retried on a dropped
or refused connection for up to ``RECONNECT_SECONDS`` (a read outside a transaction, and the
start of a transaction or snapshot, before any of the caller's statements ran); a statement
inside a transaction, or its commit, is not (see ``docs/storage.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import asyncpg
import asyncpg.transaction
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from smlog.errors import StoreError
from smlog.runtime.tasks import cancel_task, wait_event
from smlog.store.database import Params, ReadOnly, Row, Transaction, identifier
from smlog.store.dialect import POSTGRES, numbered_placeholders

__all__ = ["PostgresDatabase"]

# The key of the advisory lock that lets exactly one process migrate at a time.
MIGRATION_LOCK_KEY = zlib.crc32(b"smlog schema migrations")
# How long a retried operation waits for the server to come back (a restart, a fail-over)
# before the error reaches the caller.
RECONNECT_SECONDS = 30.0
_RECONNECT_WAIT_MAX_SECONDS = 1.0
# How often the listening connection is checked when no notice came (a closed socket that
# sent no termination is found this way).
_LISTEN_CHECK_SECONDS = 5.0

# A connection that dropped or could not be opened: the server went away, or is restarting.
_CONNECTION_LOST: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset
    asyncpg.PostgresConnectionError,  # the connection does not exist (any more)
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    # The server's "terminating connection" notice came while the connection was idle: its
    # protocol state is broken, and the pool replaces it when it comes back.
    asyncpg.InternalClientError,
)


# asyncpg's words when a statement meets a connection that closed under it: the pool detaches
# a closed connection from the proxy the caller holds, or the connection itself is closed.
_CLOSED_UNDER_IT = ("connection has been released back to the pool", "connection is closed")


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection to the server was lost or refused."""
    if isinstance(exc, asyncpg.InterfaceError):
        return any(words in str(exc) for words in _CLOSED_UNDER_IT)
    return isinstance(exc, _CONNECTION_LOST)


def _reconnecting() -> AsyncRetrying:
    """Retries of an operation that had no effect when its connection was lost."""
    return AsyncRetrying(
        retry=retry_if_exception(connection_lost),
        stop=stop_after_delay(RECONNECT_SECONDS),
        wait=wait_exponential(multiplier=0.05, max=_RECONNECT_WAIT_MAX_SECONDS),
        reraise=True,
    )


# asyncpg's Record reads by index and by column name, as the Row protocol asks.
if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    _Conn = PoolConnectionProxy[asyncpg.Record]
else:
    _Conn = Any


def _rowcount(status: str) -> int:
    """The row count in a command tag such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PgReader:
    """Reads on one connection. A connection runs one statement at a time, while SQLite's
    connection thread queues them: callers that read concurrently on one snapshot (a report
    streams its rows while it looks up its header) take turns here, one statement or one
    cursor batch at a time."""

    dialect = POSTGRES

    def __init__(self, conn: _Conn) -> None:
        self._conn = conn
        self._turn = asyncio.Lock()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._turn:
            return cast(list[Row], await self._conn.fetch(numbered_placeholders(sql), *params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._turn:
            row = await self._conn.fetchrow(numbered_placeholders(sql), *params)
        return cast(Row | None, row)

    async def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]:
        async with self._turn:
            cursor = await self._conn.cursor(numbered_placeholders(sql), *params)
        while True:
            async with self._turn:
                rows = await cursor.fetch(batch)
            if not rows:
                return
            yield cast(list[Row], rows)


class _PgTransaction(_PgReader):
    """Statements on one connection inside one transaction; queued writes run in order
    before the next statement and before the commit."""

    dialect = POSTGRES

    def __init__(self, conn: _Conn) -> None:
        super().__init__(conn)
        self._queued: list[tuple[str, list[Params]]] = []

    def queue(self, sql: str, rows: Iterable[Params]) -> None:
        batch = list(rows)
        if batch:
            self._queued.append((sql, batch))

    async def flush(self) -> None:
        queued, self._queued = self._queued, []
        for sql, rows in queued:
            async with self._turn:
                await self._conn.executemany(numbered_placeholders(sql), rows)

    async def execute(self, sql: str, params: Params = ()) -> int:
        await self.flush()
        async with self._turn:
            status = await self._conn.execute(numbered_placeholders(sql), *params)
        return _rowcount(status)

    async def insert(self, sql: str, params: Params = ()) -> int:
        await self.flush()
        async with self._turn:
            value = await self._conn.fetchval(numbered_placeholders(sql) + " RETURNING id", *params)
        return int(value or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        await self.flush()
        batch = list(rows)
        if batch:
            async with self._turn:
                await self._conn.executemany(numbered_placeholders(sql), batch)
        # asyncpg does not report a count for a batch; every row was applied or it raised.
        return len(batch)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        await self.flush()
        return await super().fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        await self.flush()
        return await super().fetch_one(sql, params)

    async def next_ids(self, table: str, count: int) -> list[int]:
        """From the table's identity sequence: no two processes get the same id."""
        if count <= 0:
            return []
        await self.flush()
        async with self._turn:
            rows = await self._conn.fetch(
                "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
                identifier(table),
                count,
            )
        return [int(r[0]) for r in rows]

    def notify(self, channel: str, payload: str) -> None:
        """NOTIFY at commit (PostgreSQL delivers it then, and folds duplicates of one
        transaction into one)."""
        self.queue("SELECT pg_notify(?, ?)", [(identifier(channel), payload)])

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> int:
        """Bulk insert with COPY (binary): several times faster than ``executemany``."""
        await self.flush()
        records = [tuple(r) for r in rows]
        if records:
            async with self._turn:
                await self._conn.copy_records_to_table(
                    identifier(table), records=records, columns=[identifier(c) for c in columns]
                )
        return len(records)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database."""

    dialect = POSTGRES

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool

    @classmethod
    async def open(
        cls, url: str, *, pool_size: int = 10, plan_each_call: bool = False
    ) -> PostgresDatabase:
        """A pool of ``pool_size`` connections to ``url``. ``plan_each_call``: every statement
        is planned for the values it runs with (``plan_cache_mode = force_custom_plan``), for
        the read side (log, reports). asyncpg prepares each statement once per connection, and
        after five runs PostgreSQL may keep a generic plan made without the values; on skewed
        data that plan is wrong for the values that matter: an address on 30,000 targets
        planned as one on 50 took 226 ms instead of 1 ms (docs/search.md). The writers keep
        the generic plans, whose saved planning time they need."""
        settings = {"plan_cache_mode": "force_custom_plan"} if plan_each_call else {}
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=max(1, pool_size),
                command_timeout=60,
                server_settings=settings,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"{redact_url(url)}: {exc}") from None
        return cls(url, pool)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async for attempt in _reconnecting():
            with attempt:
                async with self._pool.acquire() as conn:
                    return await _PgReader(conn).fetch_all(sql, params)
        raise AssertionError("unreachable: the last try raises")

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async for attempt in _reconnecting():
            with attempt:
                async with self._pool.acquire() as conn:
                    return await _PgReader(conn).fetch_one(sql, params)
        raise AssertionError("unreachable: the last try raises")

    async def stream(
        self, sql: str, params: Params = (), batch: int = 2000
    ) -> AsyncIterator[list[Row]]:
        async with self.read_snapshot() as reader:
            async for rows in reader.stream(sql, params, batch):
                yield rows

    @contextlib.asynccontextmanager
    async def read_snapshot(self) -> AsyncIterator[ReadOnly]:
        async with self._begun(isolation="repeatable_read", readonly=True) as conn:
            yield _PgReader(conn)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._begun() as conn:
            tx = _PgTransaction(conn)
            yield tx
            await tx.flush()

    @contextlib.asynccontextmanager
    async def _begun(self, **options: Any) -> AsyncIterator[_Conn]:
        """A pooled connection inside a transaction, committed when the block ends and rolled
        back when it raises. Taking the connection and ``BEGIN`` are retried while the server
        is away: a pooled connection that a restart closed fails there, before the caller ran
        anything on it."""
        conn, transaction = await self._start(options)
        try:
            try:
                yield conn
            except BaseException:
                # A dropped connection's transaction is rolled back by the server already.
                with contextlib.suppress(*_CONNECTION_LOST, asyncpg.InterfaceError):
                    await transaction.rollback()
                raise
            await transaction.commit()
        finally:
            await self._pool.release(conn)

    async def _start(
        self, options: dict[str, Any]
    ) -> tuple[_Conn, asyncpg.transaction.Transaction]:
        async for attempt in _reconnecting():
            with attempt:
                conn = await self._pool.acquire()
                try:
                    transaction = conn.transaction(**options)
                    await transaction.start()
                except BaseException:
                    await self._pool.release(conn)
                    raise
                return conn, transaction
        raise AssertionError("unreachable: the last try raises")

    @contextlib.asynccontextmanager
    async def listening(
        self, channels: Sequence[str], on_notice: Callable[[str, str], None]
    ) -> AsyncIterator[bool]:
        """LISTEN on a connection of its own (outside the pool: it stays open, idle, for as
        long as the block runs), opened again after a drop."""
        names = [identifier(c) for c in channels]
        task = asyncio.create_task(self._listen(names, on_notice), name="store-listen")
        try:
            yield True
        finally:
            await cancel_task(task)

    async def _listen(self, channels: list[str], on_notice: Callable[[str, str], None]) -> None:
        def received(_conn: object, _pid: int, channel: str, payload: object) -> None:
            on_notice(channel, str(payload))

        first = True
        while True:
            conn: asyncpg.Connection[asyncpg.Record] | None = None
            try:
                conn = await asyncpg.connect(self.url)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _c, done=closed: done.set())
                for channel in channels:
                    await conn.add_listener(channel, received)
                if not first:  # notices sent while no one listened are lost: look again
                    for channel in channels:
                        on_notice(channel, "")
                first = False
                while not closed.is_set() and not conn.is_closed():
                    await wait_event(closed, _LISTEN_CHECK_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not connection_lost(exc) and not isinstance(exc, asyncpg.PostgresError):
                    raise
                first = False
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=1)
            await asyncio.sleep(_RECONNECT_WAIT_MAX_SECONDS)

    @contextlib.asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        """Held while migrating: a second process waits here until the first is done."""
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)

    async def reclaim_space(self, tables: Sequence[str]) -> None:
        # Ordinary VACUUM: deleted rows' space becomes reusable, without the exclusive lock of
        # VACUUM FULL; it runs outside a transaction. The names come from code, never input.
        async with self._pool.acquire() as conn:
            for table in tables:
                if not table.isidentifier():
                    raise StoreError(f"not a table name: {table!r}")
                await conn.execute(f"VACUUM (ANALYZE) {table}")

    async def close(self) -> None:
        await self._pool.close()


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
