"""``IN (...)`` lists of any length: one helper instead of placeholder strings built by hand.

SQLite limits a statement's parameters and PostgreSQL plans long lists slowly, so a list is
read in chunks of ``IN_CHUNK`` values. The SQL holds ``{marks}`` where the ``?`` marks go; the
values themselves are always passed as parameters, never written into the SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from smlog.store.database import Params, Row

__all__ = ["IN_CHUNK", "chunked", "fetch_in", "in_marks", "queue_in"]

IN_CHUNK = 500
T = TypeVar("T")


class Reads(Protocol):
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...


class Queues(Protocol):
    def queue(self, sql: str, rows: Iterable[Params]) -> None: ...


def in_marks(count: int) -> str:
    """``?,?,?`` for ``count`` values (at least one)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ",".join("?" * count)


def chunked(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def fetch_in(
    reader: Reads,
    sql: str,
    values: Sequence[Any],
    *,
    before: Params = (),
    after: Params = (),
    size: int = IN_CHUNK,
) -> list[Row]:
    """The rows of ``sql`` (holding ``{marks}``) for every value, read a chunk at a time;
    ``before`` and ``after`` are the parameters around the list. No values: no rows."""
    rows: list[Row] = []
    for chunk in chunked(values, size):
        query = sql.format(marks=in_marks(len(chunk)))
        rows += await reader.fetch_all(query, [*before, *chunk, *after])
    return rows


def queue_in(
    writer: Queues,
    sql: str,
    values: Sequence[Any],
    *,
    before: Params = (),
    after: Params = (),
    size: int = IN_CHUNK,
) -> None:
    """Queue ``sql`` (holding ``{marks}``) for every value, one statement a chunk: the same
    change to many rows as one write, not one statement per row (which PostgreSQL executes
    row by row). ``before`` and ``after`` are the parameters around the list."""
    for chunk in chunked(values, size):
        writer.queue(sql.format(marks=in_marks(len(chunk))), [(*before, *chunk, *after)])
