"""Space given back after deletes: a new SQLite store is created with incremental vacuum."""

from __future__ import annotations

from pathlib import Path

from smlog.store.database import SqliteDatabase


async def test_a_new_sqlite_store_gives_deleted_pages_back(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(str(tmp_path / "s.db"))
    try:
        mode = await db.fetch_one("PRAGMA auto_vacuum")
        assert mode is not None
        assert int(mode[0]) == 2  # incremental
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
            await tx.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 4000,)] * 500)
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM t")
        free = await db.fetch_one("PRAGMA freelist_count")
        assert free is not None
        assert int(free[0]) > 400
        await db.reclaim_space(["t"])
        free = await db.fetch_one("PRAGMA freelist_count")
        assert free is not None
        assert int(free[0]) == 0
    finally:
        await db.close()
