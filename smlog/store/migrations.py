"""Versioned schema migrations, applied at start-up by every service.

``sql/NNNN_name.sql`` files are applied in version order, each in its own transaction
with its row in ``schema_migrations``; an applied version is never applied again, so a second
start is a no-op. Several processes starting at once serialize on ``BEGIN IMMEDIATE``.
Version ranges by owner keep parallel work from colliding: 0001-0009 shared, 0010-0019 status,
0020-0029 dispatch, 0030-0039 log, 0040-0049 reports.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources

from smlog.errors import StoreError
from smlog.store.database import Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The file's statements; a trigger's ``BEGIN ... END;`` body stays one statement."""
        found: list[str] = []
        pending = ""
        for line in self.sql.splitlines():
            pending += line.split("--", 1)[0] + "\n"
            if sqlite3.complete_statement(pending):
                found.append(pending.strip().rstrip(";").strip())
                pending = ""
        if pending.strip():
            found.append(pending.strip())
        return [s for s in found if s]


def load_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("smlog.store.sql").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"duplicate migration versions: {versions}")
    return found


async def migrate(db: Database) -> list[int]:
    """Apply every migration not applied yet; returns the versions applied now."""
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
                for statement in migration.statements():
                    await tx.execute(statement)
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from None
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_time) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time() * 1_000_000)),
            )
            applied_now.append(migration.version)
    return applied_now
