"""The PostgreSQL pool outlives its connections: after the server dropped every one of them (as
a restart does), reads and new transactions run on fresh connections; a transaction whose
connection drops mid-way is rolled back and its error reaches the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from smlog.store import Database, migrate
from smlog.store.opening import connect
from smlog.store.postgres import connection_lost
from tests.pgserver import admin_url, throwaway_database


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Database, str]]:
    async with throwaway_database() as url:
        db = await connect(url, pool_size=4)
        try:
            await migrate(db)
            yield db, url.rpartition("/")[2]
        finally:
            await db.close()


async def _drop_connections(database: str) -> int:
    """Terminate every connection to ``database``, as a server shutting down does."""
    admin = admin_url()
    assert admin is not None
    conn = await asyncpg.connect(admin)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()
    return len(rows)


async def _fill_pool(db: Database, n: int) -> None:
    """Open ``n`` pooled connections by holding ``n`` transactions at once."""
    holders = [db.transaction() for _ in range(n)]
    for holder in holders:
        await holder.__aenter__()
    for holder in reversed(holders):
        await holder.__aexit__(None, None, None)


async def test_reads_and_transactions_survive_dropped_connections(
    pg: tuple[Database, str],
) -> None:
    db, name = pg
    await _fill_pool(db, 4)
    assert await _drop_connections(name) >= 4
    row = await db.fetch_one("SELECT count(*) FROM districts")
    assert row is not None
    assert row[0] == 0
    assert await _drop_connections(name) >= 1
    for district_id in (1, 2, 3, 4, 5):  # more transactions than pooled connections
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO districts (id, name, time_zone) VALUES (?, ?, 'UTC')",
                (district_id, f"D{district_id}"),
            )
    async with db.read_snapshot() as snapshot:
        row = await snapshot.fetch_one("SELECT count(*) FROM districts")
    assert row is not None
    assert row[0] == 5


async def test_a_transaction_cut_mid_way_is_rolled_back_and_raises(
    pg: tuple[Database, str],
) -> None:
    db, name = pg

    async def cut_mid_way() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO districts (id, name, time_zone) VALUES (1, 'A', 'UTC')")
            await _drop_connections(name)
            await tx.execute("INSERT INTO districts (id, name, time_zone) VALUES (2, 'B', 'UTC')")

    with pytest.raises(Exception) as raised:  # noqa: PT011 - which one is asserted below
        await cut_mid_way()
    assert connection_lost(raised.value)
    row = await db.fetch_one("SELECT count(*) FROM districts")
    assert row is not None
    assert row[0] == 0
