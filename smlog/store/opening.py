"""Open the configured store and bring its schema up to date."""

from __future__ import annotations

from smlog.config import Settings
from smlog.store.database import SqliteDatabase
from smlog.store.migrations import migrate


async def open_database(settings: Settings, *, readers: int = 2) -> SqliteDatabase:
    db = await SqliteDatabase.open(settings.db_path, readers=readers)
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db
