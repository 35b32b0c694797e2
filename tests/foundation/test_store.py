from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from smlog.errors import StoreError
from smlog.store import SqliteDatabase, migrate
from smlog.store.migrations import load_migrations

EXPECTED_TABLES = {
    "districts", "calendars", "messages", "message_calendars", "message_mode_stats",
    "recipients", "targets", "attempts", "attempt_events", "webhook_journal", "parked_events",
    "webhook_tokens", "attempt_outcomes", "sms_opt_outs", "inbox_items", "schema_migrations",
}  # fmt: skip


async def test_migrations_create_the_schema_then_are_a_no_op(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(str(tmp_path / "s.db"))
    try:
        applied = await migrate(db)
        assert applied == [m.version for m in load_migrations()]
        rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert {r["name"] for r in rows} >= EXPECTED_TABLES
        assert await migrate(db) == []
        versions = await db.fetch_all("SELECT version FROM schema_migrations")
        assert len(versions) == len(applied)
    finally:
        await db.close()


async def test_wal_mode_and_foreign_keys(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(str(tmp_path / "s.db"))
    try:
        await migrate(db)
        mode = await db.fetch_one("PRAGMA journal_mode")
        assert mode is not None
        assert mode[0] == "wal"
        with pytest.raises(Exception, match="FOREIGN KEY"):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO calendars (id, district_id, school_name, school_year)"
                    " VALUES (1, 999, 'x', '2026-27')"
                )
        assert await db.fetch_all("SELECT * FROM calendars") == []
    finally:
        await db.close()


async def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(str(tmp_path / "s.db"))
    try:
        await migrate(db)

        async def insert_then_fail() -> None:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO districts (id, name, time_zone) VALUES (1, 'A', 'UTC')"
                )
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await insert_then_fail()
        assert await db.fetch_all("SELECT * FROM districts") == []
    finally:
        await db.close()


async def test_a_corrupt_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(StoreError, match=r"corrupt\.db"):
        await SqliteDatabase.open(str(path))


async def test_a_committed_write_is_visible_to_the_next_read_under_concurrent_reads(
    tmp_path: Path,
) -> None:
    """Reads on the shared reader connections must never see an old snapshot: a read
    started by another task must not pin the connection's snapshot across an await."""
    db = await SqliteDatabase.open(str(tmp_path / "s.db"), readers=2)
    try:
        await migrate(db)
        stop = asyncio.Event()

        async def hammer() -> None:
            while not stop.is_set():
                await db.fetch_one("SELECT count(*) FROM districts")

        readers = [asyncio.create_task(hammer()) for _ in range(8)]
        try:
            for district_id in range(1, 201):
                async with db.transaction() as tx:
                    await tx.execute(
                        "INSERT INTO districts (id, name, time_zone) VALUES (?, 'D', 'UTC')",
                        (district_id,),
                    )
                row = await db.fetch_one("SELECT id FROM districts WHERE id = ?", (district_id,))
                assert row is not None, f"district {district_id} committed but not visible"
        finally:
            stop.set()
            await asyncio.gather(*readers)
    finally:
        await db.close()
