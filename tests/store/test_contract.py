"""What every store backend promises the services (``smlog.store.Database``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from smlog.errors import StoreError
from smlog.store import migrate
from smlog.store.migrations import load_migrations
from smlog.store.opening import connect

TABLES = (
    "districts", "calendars", "messages", "message_calendars", "message_mode_stats",
    "recipients", "targets", "attempts", "attempt_events", "webhook_journal", "parked_events",
    "webhook_tokens", "attempt_outcomes", "sms_opt_outs", "inbox_items", "email_batches",
)  # fmt: skip


async def _district(db: Any, district_id: int = 1, name: str = "A") -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone) VALUES (?, ?, ?)",
            (district_id, name, "UTC"),
        )


async def test_migrations_build_the_schema_once(db: Any) -> None:
    applied = await migrate(db)
    assert applied == [m.version for m in load_migrations()]
    for table in TABLES:
        row = await db.fetch_one(f"SELECT count(*) FROM {table}")
        assert row is not None
        assert row[0] == 0
    assert await migrate(db) == []
    rows = await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == applied


async def test_processes_migrating_at_once_apply_each_step_once(store_url: str) -> None:
    stores = [await connect(store_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(s) for s in stores))
        applied = sorted(v for r in results for v in r)
        assert applied == [m.version for m in load_migrations()]
        rows = await stores[0].fetch_all("SELECT count(*) AS n FROM schema_migrations")
        assert rows[0]["n"] == len(applied)
    finally:
        for store in stores:
            await store.close()


async def test_insert_returns_the_new_id_and_execute_the_row_count(db: Any) -> None:
    await migrate(db)
    await _district(db)
    async with db.transaction() as tx:
        first = await tx.insert(
            "INSERT INTO messages (district_id, request_id, created_by_user_id,"
            " created_by_name, message_type, subject, subject_folded, delivery_modes,"
            " content_json, status, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (1, "r1", "u1", "U", 1, "S?", "s?", 2, "{}", 6, 10),
        )
        second = await tx.insert(
            "INSERT INTO messages (district_id, request_id, created_by_user_id,"
            " created_by_name, message_type, subject, subject_folded, delivery_modes,"
            " content_json, status, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (1, "r2", "u1", "U", 1, "T", "t", 2, "{}", 6, 11),
        )
        assert second > first > 0
        changed = await tx.execute("UPDATE messages SET status = ? WHERE district_id = ?", (1, 1))
        assert changed == 2
    row = await db.fetch_one("SELECT subject FROM messages WHERE id = ?", (first,))
    assert row is not None
    assert row["subject"] == "S?"
    # A question mark inside a quoted literal is text, not a placeholder.
    row = await db.fetch_one(
        "SELECT count(*) AS n FROM messages WHERE subject = 'S?' AND id = ?", (first,)
    )
    assert row is not None
    assert row["n"] == 1


async def test_a_failed_transaction_changes_nothing(db: Any) -> None:
    await migrate(db)

    async def insert_then_fail() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO districts (id, name, time_zone) VALUES (1, 'A', 'UTC')")
            tx.queue(
                "INSERT INTO calendars (id, district_id, school_name, school_year)"
                " VALUES (?, ?, ?, ?)",
                [(1, 1, "S", "2026-27")],
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await insert_then_fail()
    assert await db.fetch_all("SELECT id FROM districts") == []
    assert await db.fetch_all("SELECT id FROM calendars") == []


async def test_a_constraint_violation_rolls_the_transaction_back(db: Any) -> None:
    await migrate(db)
    await _district(db)

    async def insert_a_duplicate() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO districts (id, name, time_zone) VALUES (2, 'B', 'UTC')")
            await tx.execute("INSERT INTO districts (id, name, time_zone) VALUES (1, 'C', 'UTC')")

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await insert_a_duplicate()
    rows = await db.fetch_all("SELECT id FROM districts ORDER BY id")
    assert [r["id"] for r in rows] == [1]


async def test_queued_writes_run_in_order_before_the_next_statement(db: Any) -> None:
    await migrate(db)
    await _district(db)
    async with db.transaction() as tx:
        tx.queue(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)",
            [(i, 1, f"S{i}", "2026-27") for i in range(1, 51)],
        )
        tx.queue("UPDATE calendars SET school_year = ? WHERE id <= ?", [("2027-28", 10)])
        rows = await tx.fetch_all(
            "SELECT count(*) AS n FROM calendars WHERE school_year = ?", ("2027-28",)
        )
        assert rows[0]["n"] == 10
    total = await db.fetch_one("SELECT count(*) AS n FROM calendars")
    assert total is not None
    assert total["n"] == 50


async def test_executemany_applies_every_row(db: Any) -> None:
    await migrate(db)
    await _district(db)
    async with db.transaction() as tx:
        count = await tx.executemany(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)",
            [(i, 1, f"S{i}", "2026-27") for i in range(1, 8)],
        )
    assert count == 7
    rows = await db.fetch_all("SELECT school_name FROM calendars ORDER BY id")
    assert [r["school_name"] for r in rows] == [f"S{i}" for i in range(1, 8)]


async def test_stream_yields_every_row_in_batches(db: Any) -> None:
    await migrate(db)
    await _district(db)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)",
            [(i, 1, f"S{i}", "2026-27") for i in range(1, 1001)],
        )
    batches = [
        batch async for batch in db.stream("SELECT id FROM calendars ORDER BY id", (), batch=300)
    ]
    assert [len(b) for b in batches] == [300, 300, 300, 100]
    assert [r["id"] for b in batches for r in b] == list(range(1, 1001))


async def test_a_read_snapshot_does_not_see_later_commits(db: Any) -> None:
    await migrate(db)
    await _district(db)
    async with db.read_snapshot() as snapshot:
        before = await snapshot.fetch_one("SELECT count(*) AS n FROM districts")
        await _district(db, 2, "B")
        after = await snapshot.fetch_one("SELECT count(*) AS n FROM districts")
        assert before is not None
        assert after is not None
        assert before["n"] == after["n"] == 1
    now = await db.fetch_one("SELECT count(*) AS n FROM districts")
    assert now is not None
    assert now["n"] == 2


async def test_binary_bodies_round_trip(db: Any) -> None:
    await migrate(db)
    body = bytes(range(256))
    async with db.transaction() as tx:
        journal_id = await tx.insert(
            "INSERT INTO webhook_journal (vendor, kind, body, received_time) VALUES (?, ?, ?, ?)",
            ("voxology", "call", body, 1),
        )
    row = await db.fetch_one("SELECT body FROM webhook_journal WHERE id = ?", (journal_id,))
    assert row is not None
    assert bytes(row["body"]) == body


async def test_copy_rows_inserts_every_row_and_refuses_odd_names(db: Any) -> None:
    await migrate(db)
    rows = [(i, f"D{i}", "UTC") for i in range(1, 1001)]
    async with db.transaction() as tx:
        assert await tx.copy_rows("districts", ["id", "name", "time_zone"], rows) == 1000
    got = await db.fetch_all("SELECT id, name FROM districts ORDER BY id")
    assert [(r["id"], r["name"]) for r in got] == [(i, n) for i, n, _ in rows]
    with pytest.raises(StoreError):
        async with db.transaction() as tx:
            await tx.copy_rows("districts; DROP TABLE districts", ["id"], [(5000,)])
    row = await db.fetch_one("SELECT count(*) AS n FROM districts")
    assert row is not None
    assert row["n"] == 1000
