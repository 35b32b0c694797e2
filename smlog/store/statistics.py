"""Planner statistics after a bulk load. PostgreSQL plans its queries from statistics, and
its index-only scans skip the table only for pages the visibility map marks all-visible;
autovacuum gathers both only a while after a bulk insert, so a store just filled in bulk (a
benchmark's seed) is vacuumed and analyzed at once, as autovacuum would leave it in service.
Until then every index-only scan (the log's ordered walks and capped counts) reads the table
row of each index entry too. SQLite plans without statistics, as the services run it;
nothing to do there."""

from __future__ import annotations

from smlog.store.database import Database
from smlog.store.dialect import POSTGRES

__all__ = ["refresh_statistics"]


async def refresh_statistics(db: Database) -> None:
    if db.dialect == POSTGRES:
        rows = await db.fetch_all(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        await db.reclaim_space([str(r[0]) for r in rows])  # VACUUM (ANALYZE) each table
