"""Versioned schema migrations, applied at start-up by every service.

``sql/NNNN_name.sql`` files are applied in version order, each in its own transaction
with its row in ``schema_migrations``; an applied version is never applied again, so a second
start is a no-op. Both backends run the same numbered steps: a step's portable SQL is
translated for PostgreSQL (``smlog.store.dialect.postgres_ddl``), and a step that must differ
has a file per dialect instead (``NNNN_name.sqlite.sql`` and ``NNNN_name.postgres.sql``).
Several processes starting at once take the store's migration lock (a PostgreSQL advisory
lock; on SQLite each step's ``BEGIN IMMEDIATE``): one migrates, the others wait and find
nothing left to do.
Version ranges by owner keep parallel work from colliding: 0001-0009 shared, 0010-0019 status,
0020-0029 dispatch, 0030-0039 log, 0040-0049 reports.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources

import asyncpg

from smlog.errors import StoreError
from smlog.store.database import Database
from smlog.store.dialect import POSTGRES, SQLITE, postgres_ddl

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)(?:\.(sqlite|postgres))?\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    # Per-dialect text where the step differs between backends (dialect -> SQL).
    variants: tuple[tuple[str, str], ...] = ()

    def statements(self, dialect: str = SQLITE) -> list[str]:
        """The step's statements for ``dialect``. A trigger's ``BEGIN ... END;`` body stays one
        statement; a PostgreSQL file of the step's own runs as one script (its functions'
        ``$$`` bodies hold semicolons); portable SQL is translated for PostgreSQL."""
        variants = dict(self.variants)
        if dialect == POSTGRES and POSTGRES in variants:
            return [variants[POSTGRES].strip()]
        found = _split(variants.get(dialect, self.sql))
        if dialect == POSTGRES:
            return [postgres_ddl(s) for s in found]
        return found


def _split(sql: str) -> list[str]:
    """SQLite statements of a file, a trigger's ``BEGIN ... END;`` body kept whole."""
    found: list[str] = []
    pending = ""
    for line in sql.splitlines():
        pending += line.split("--", 1)[0] + "\n"
        if sqlite3.complete_statement(pending):
            found.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip():
        found.append(pending.strip())
    return [s for s in found if s]


def load_migrations() -> list[Migration]:
    texts: dict[tuple[int, str], dict[str, str]] = {}
    for entry in resources.files("smlog.store.sql").iterdir():
        match = _NAME.match(entry.name)
        if match:
            key = (int(match[1]), match[2])
            texts.setdefault(key, {})[match[3] or ""] = entry.read_text(encoding="utf-8")
    found = []
    for (version, name), by_dialect in sorted(texts.items()):
        portable = by_dialect.pop("", None)
        if portable is None and set(by_dialect) != {SQLITE, POSTGRES}:
            raise StoreError(f"migration {version:04d}_{name}: needs a file for each dialect")
        found.append(Migration(version, name, portable or "", tuple(sorted(by_dialect.items()))))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"duplicate migration versions: {versions}")
    return found


async def migrate(db: Database) -> list[int]:
    """Apply every migration not applied yet; returns the versions applied now."""
    async with db.migration_lock():
        return await _apply_pending(db)


async def _apply_pending(db: Database) -> list[int]:
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_time BIGINT NOT NULL)"
        )
    applied_now = []
    for migration in load_migrations():
        async with db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            )
            if row is not None:
                continue
            try:
                for statement in migration.statements(db.dialect):
                    await tx.execute(statement)
            except (sqlite3.DatabaseError, asyncpg.PostgresError) as exc:
                raise StoreError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from None
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_time) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time() * 1_000_000)),
            )
            applied_now.append(migration.version)
    return applied_now
