"""On PostgreSQL the read side plans every statement for its own values, the writers keep the
plans PostgreSQL caches (``PostgresDatabase.open``, ``plan_each_call``)."""

from __future__ import annotations

from smlog.config import Settings
from smlog.store import open_database
from tests.pgserver import throwaway_database


async def _plan_cache_mode(settings: Settings, *, reads_only: bool) -> str:
    db = await open_database(settings, reads_only=reads_only)
    try:
        row = await db.fetch_one("SHOW plan_cache_mode")
    finally:
        await db.close()
    assert row is not None
    return str(row[0])


async def test_readers_plan_each_call_and_writers_keep_cached_plans(settings: Settings) -> None:
    async with throwaway_database() as url:
        primary = settings.replace(db_url=url)
        assert await _plan_cache_mode(primary, reads_only=False) == "auto"
        assert await _plan_cache_mode(primary, reads_only=True) == "force_custom_plan"
        replica = primary.replace(read_db_url=url)  # the replica's connections too
        assert await _plan_cache_mode(replica, reads_only=True) == "force_custom_plan"
