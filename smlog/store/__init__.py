"""The store: one storage interface (``Database``), SQLite by default, versioned migrations."""

from smlog.store.database import Database, ReadOnly, Row, SqliteDatabase, Transaction
from smlog.store.dialect import row_lock
from smlog.store.lists import IN_CHUNK, chunked, fetch_in, in_marks, queue_in
from smlog.store.migrations import migrate
from smlog.store.opening import open_database

__all__ = [
    "IN_CHUNK",
    "Database",
    "ReadOnly",
    "Row",
    "SqliteDatabase",
    "Transaction",
    "chunked",
    "fetch_in",
    "in_marks",
    "migrate",
    "open_database",
    "queue_in",
    "row_lock",
]
