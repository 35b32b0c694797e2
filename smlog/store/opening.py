"""Open the configured store (SQLite or PostgreSQL, by URL) and bring its schema up to date."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from smlog.config import Settings
from smlog.store.database import Database, SqliteDatabase
from smlog.store.migrations import migrate
from smlog.store.postgres import PostgresDatabase

__all__ = ["connect", "open_database", "reading", "sqlite_path"]


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///path`` URL (``sqlite:////abs/path`` for an absolute one)."""
    prefix = "sqlite:///"
    return url[len(prefix) :] if url.startswith(prefix) else None


async def connect(
    url: str,
    *,
    readers: int = 2,
    read_only: bool = False,
    pool_size: int = 10,
    plan_each_call: bool = False,
) -> Database:
    """The store at ``url``, without migrating it; ``plan_each_call``: see
    ``PostgresDatabase.open``."""
    path = sqlite_path(url)
    if path is not None:
        return await SqliteDatabase.open(path, readers=readers, read_only=read_only)
    return await PostgresDatabase.open(url, pool_size=pool_size, plan_each_call=plan_each_call)


@asynccontextmanager
async def reading(url: str) -> AsyncIterator[Database]:
    """The store at ``url``, opened read-only (one reader) for a few reads, closed after: what
    a benchmark, the accounting or a test reads while the services write."""
    db = await connect(url, readers=1, read_only=True)
    try:
        yield db
    finally:
        await db.close()


async def open_database(
    settings: Settings, *, readers: int = 2, reads_only: bool = False
) -> Database:
    """The store, migrated. A service that only reads (``reads_only``) opens ``read_db_url``
    when it is set (a replica, which the primary's migrations reach by replication), and on
    PostgreSQL plans each of its statements for its own values (``PostgresDatabase.open``)."""
    if reads_only and settings.read_db_url:
        return await connect(
            settings.store_url(read=True),
            readers=readers,
            pool_size=settings.db_pool_size,
            plan_each_call=True,
        )
    db = await connect(
        settings.store_url(),
        readers=readers,
        pool_size=settings.db_pool_size,
        plan_each_call=reads_only,
    )
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db
