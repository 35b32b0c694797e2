"""Planner statistics after a bulk load: PostgreSQL plans its queries from statistics that
autovacuum gathers only after a while, so a store just filled in bulk (a benchmark's seed)
is analyzed at once. SQLite plans without them, as the services run it; nothing to do there."""

from __future__ import annotations

from smlog.store.database import Database
from smlog.store.dialect import POSTGRES

__all__ = ["refresh_statistics"]


async def refresh_statistics(db: Database) -> None:
    if db.dialect == POSTGRES:
        async with db.transaction() as tx:
            await tx.execute("ANALYZE")
