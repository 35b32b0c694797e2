"""The log table: one page of messages, newest first, keyset-paginated, and its total count.

Order is ``sent_time DESC, id DESC``; a page never uses OFFSET. Each filter picks how its rows
are reached (``smlog.readmodel.logsql.Via``) so that a page costs about the same however long
the district's history is; docs/log.md has the query plans. ``total_size`` is exact up to
``TOTAL_SIZE_CAP`` and reported as capped beyond it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smlog.clock import to_timestamp
from smlog.domain.modes import modes_of
from smlog.readmodel.access import ALL_TYPES
from smlog.readmodel.filters import MessageFilter
from smlog.readmodel.logsql import (
    ORDER,
    Via,
    after_position,
    conditions,
    from_position,
    lookup_covers,
)
from smlog.store import ReadOnly, Row, in_marks
from smlog.store.search import has_subject_index
from smlog.v1.common_pb2 import Calendar, User
from smlog.v1.log_pb2 import MessageSummary

_COLUMNS = (
    "m.id, m.sent_time, m.subject, m.created_by_user_id, m.created_by_name, m.message_type,"
    " m.delivery_modes, m.has_attachment, m.attachment_name, m.status"
)
# Counting stops after this many matches; total_size is then reported as "at least".
TOTAL_SIZE_CAP = 10_000
# A subject search counts to this many: each match is tested for the text, and a trigram
# index (the way a rarer text takes) finds candidates, not matches (docs/log.md).
SUBJECT_TOTAL_SIZE_CAP = 1_000
# A subject page first walks this many log rows in order; if they hold too few matches, the
# page comes from the trigram index's matches instead.
SUBJECT_WINDOW = 10_000

Bound = tuple[str, list[Any]]


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[MessageSummary]
    next_position: tuple[int, int] | None  # (sent_time, id) of the last row when more follow
    total_size: int
    total_size_capped: bool = False  # more than total_size messages match


def _page_sql(
    dialect: str,
    f: MessageFilter,
    types: Sequence[int],
    via: Via,
    bounds: Sequence[Bound],
    limit: int,
    columns: str = _COLUMNS,
    narrow: bool = False,
) -> tuple[str, list[Any]]:
    source, where, params = conditions(f, types, via, dialect, narrow=narrow)
    for condition, values in bounds:
        where.append(condition)
        params.extend(values)
    sql = (
        f"SELECT {columns} FROM {source} WHERE {' AND '.join(where)}"  # noqa: S608
        f" ORDER BY {via.order} LIMIT ?"
    )
    return sql, [*params, limit]


def _ids_first(f: MessageFilter, via: Via) -> bool:
    """Whether a page picks its ids on a narrow index before it reads the rows: subject
    matches, ordered on ``messages_log_lookup`` (SQLite) or on ``message_subjects``
    (PostgreSQL); and the ordered walk that tests a subject, which then tests it on
    ``messages_log_subject`` instead of reading each walked message's row (the walk passes up
    to ``SUBJECT_WINDOW`` rows for a rare text; PostgreSQL tests an index scan's conditions
    only on the table row)."""
    if via is Via.SUBJECT:
        return lookup_covers(f, via)
    walk_covered = f.creator is None and set(f.types) == set(ALL_TYPES) and not f.calendar_id
    return via is Via.LOG and bool(f.subject_folded) and walk_covered


async def _rows(
    db: ReadOnly, f: MessageFilter, via: Via, bounds: Sequence[Bound], limit: int
) -> list[Row]:
    dialect = db.dialect
    if _ids_first(f, via):
        # The page's ids from a narrow index, then only the page's rows.
        ids, params = _page_sql(dialect, f, f.types, via, bounds, limit, "m.id", narrow=True)
        sql = f"SELECT {_COLUMNS} FROM messages m WHERE m.id IN ({ids}) ORDER BY {ORDER}"  # noqa: S608
        return await db.fetch_all(sql, params)
    if via is not Via.LOG or len(f.types) <= 1 or set(f.types) == set(ALL_TYPES):
        sql, params = _page_sql(dialect, f, f.types, via, bounds, limit)
        return await db.fetch_all(sql, params)
    # Several (not all) types: each type's index yields its rows in order; merge the heads.
    parts = [_page_sql(dialect, f, (t,), via, bounds, limit) for t in f.types]
    # Each part needs an alias: PostgreSQL refuses an unnamed subquery in FROM.
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({s}) AS part{i}"  # noqa: S608
        for i, (s, _) in enumerate(parts)
    )
    sql = f"SELECT * FROM ({sql}) AS merged ORDER BY sent_time DESC, id DESC LIMIT ?"  # noqa: S608
    return await db.fetch_all(sql, [*(p for _, ps in parts for p in ps), limit])


async def _window_end(db: ReadOnly, f: MessageFilter, bounds: Sequence[Bound]) -> Row | None:
    """The log position ``SUBJECT_WINDOW`` rows ahead (subject not tested), if there is one."""
    unfiltered = dataclasses.replace(f, subject_folded="")
    sql, params = _page_sql(
        db.dialect, unfiltered, f.types, Via.LOG, bounds, 1, "m.sent_time, m.id"
    )
    return await db.fetch_one(f"{sql} OFFSET ?", [*params, SUBJECT_WINDOW - 1])


Position = tuple[int, int]  # (sent_time, id): log order is these, descending


def _by_subject_index(dialect: str, f: MessageFilter) -> bool:
    """Whether a subject search may take the trigram index (``_subject_page``)."""
    if f.message_id or f.calendar_id:
        return False
    return has_subject_index(dialect, f.subject_folded)


async def _subject_matches(db: ReadOnly, f: MessageFilter) -> list[Position]:
    """The positions of a subject search's matches by the trigram index, at most
    ``SUBJECT_TOTAL_SIZE_CAP`` + 1 of them (in no order)."""
    source, where, params = conditions(f, f.types, Via.SUBJECT, db.dialect, narrow=True)
    rows = await db.fetch_all(
        f"SELECT m.sent_time, m.id FROM {source} WHERE {' AND '.join(where)} LIMIT ?",  # noqa: S608
        [*params, SUBJECT_TOTAL_SIZE_CAP + 1],
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def _rows_at(
    db: ReadOnly, found: Sequence[Position], after: Position | None, limit: int
) -> list[Row]:
    """The first ``limit`` rows in log order after ``after`` among the positions ``found``."""
    keys = sorted((k for k in found if after is None or k < after), reverse=True)[:limit]
    if not keys:
        return []
    marks = ", ".join("?" * len(keys))
    sql = f"SELECT {_COLUMNS} FROM messages m WHERE m.id IN ({marks}) ORDER BY {ORDER}"  # noqa: S608
    return await db.fetch_all(sql, [i for _, i in keys])


async def _subject_page(
    db: ReadOnly, f: MessageFilter, after: Position | None, limit: int
) -> tuple[list[Row], tuple[int, bool]]:
    """A subject search that may take the trigram index: its page's rows and its count, with
    the index read once.

    Side by side: the ordered walk of the next ``SUBJECT_WINDOW`` log rows, and the positions
    of at most ``SUBJECT_TOTAL_SIZE_CAP`` + 1 matches by the trigram index, whose number is
    the count. If the walk fills the page (a common text), or if fewer rows remain (it saw
    them all), the page is the walk's. Otherwise (a rarer text), when the positions are every
    match, the page is the newest of them after ``after``, read by id; beyond the cap, the
    trigram index's matches in log order."""
    bounds = [after_position(after, Via.LOG)] if after is not None else []

    async def walk() -> tuple[list[Row], bool]:
        end = await _window_end(db, f, bounds)
        window = [from_position((int(end[0]), int(end[1])))] if end is not None else []
        return await _rows(db, f, Via.LOG, [*bounds, *window], limit), end is None

    (rows, saw_all), found = await asyncio.gather(walk(), _subject_matches(db, f))
    cap = SUBJECT_TOTAL_SIZE_CAP
    count = min(len(found), cap), len(found) > cap
    if len(rows) >= limit or saw_all:
        return rows, count
    if len(found) <= cap:  # every match: the page is among them
        return await _rows_at(db, found, after, limit), count
    keyset = [after_position(after, Via.SUBJECT)] if after is not None else []
    return await _rows(db, f, Via.SUBJECT, keyset, limit), count


async def _page_rows(
    db: ReadOnly, f: MessageFilter, after: Position | None, limit: int
) -> list[Row]:
    """One page's rows (a subject search that may take the trigram index: ``_subject_page``)."""

    def bounds(via: Via) -> list[Bound]:
        return [after_position(after, via)] if after is not None else []

    if f.message_id:
        return await _rows(db, f, Via.LOG, bounds(Via.LOG), limit)
    if f.calendar_id:
        return await _rows(db, f, Via.CALENDAR, bounds(Via.CALENDAR), limit)
    if f.subject_folded:
        end = await _window_end(db, f, bounds(Via.LOG))
        if end is not None:
            window = from_position((int(end[0]), int(end[1])))
            rows = await _rows(db, f, Via.LOG, [*bounds(Via.LOG), window], limit)
            if len(rows) >= limit:
                return rows
    return await _rows(db, f, Via.LOG, bounds(Via.LOG), limit)


def total_size_cap(f: MessageFilter) -> int:
    """Where counting the matches of ``f`` stops."""
    return SUBJECT_TOTAL_SIZE_CAP if f.subject_folded else TOTAL_SIZE_CAP


async def count_messages(db: ReadOnly, f: MessageFilter) -> tuple[int, bool]:
    """How many messages match, up to ``total_size_cap(f)``, and whether more do.

    A count that walks an index in log order names that order: the newest matches are the
    ones counted, and PostgreSQL then walks the index (index-only) rather than reading the
    table in its own order, which costs more once the district is most of the table."""
    if not f.types:
        return 0, False
    via = Via.CALENDAR if not f.message_id and f.calendar_id else Via.LOG
    if _by_subject_index(db.dialect, f):
        via = Via.SUBJECT
    source, where, params = conditions(f, f.types, via, db.dialect, narrow=True)
    several_types = len(f.types) > 1 and set(f.types) != set(ALL_TYPES)
    ordered = via is Via.CALENDAR or (via is Via.LOG and not several_types)
    order = f" ORDER BY {via.order}" if ordered else ""
    cap = total_size_cap(f)
    row = await db.fetch_one(
        f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {' AND '.join(where)}{order}"  # noqa: S608
        " LIMIT ?) AS matches",
        [*params, cap + 1],
    )
    found = int(row[0]) if row is not None else 0
    return min(found, cap), found > cap


async def calendars_of(db: ReadOnly, message_ids: Sequence[int]) -> dict[int, list[Calendar]]:
    """Each message's calendars, by school name."""
    found: dict[int, list[Calendar]] = {i: [] for i in message_ids}
    if not message_ids:
        return found
    marks = in_marks(len(message_ids))
    sql = (
        "SELECT mc.message_id, c.id, c.school_name, c.school_year FROM message_calendars mc"  # noqa: S608 - placeholders only
        f" JOIN calendars c ON c.id = mc.calendar_id WHERE mc.message_id IN ({marks})"
        " ORDER BY mc.message_id, c.school_name, c.id"
    )
    rows = await db.fetch_all(sql, list(message_ids))
    for r in rows:
        found[int(r["message_id"])].append(
            Calendar(
                calendar_id=int(r["id"]),
                school_name=str(r["school_name"]),
                school_year=str(r["school_year"]),
            )
        )
    return found


def _summary(row: Row, calendars: list[Calendar]) -> MessageSummary:
    return MessageSummary(
        message_id=int(row["id"]),
        sent_time=to_timestamp(int(row["sent_time"])),
        calendars=calendars,
        subject=str(row["subject"]),
        created_by=User(
            user_id=str(row["created_by_user_id"]), display_name=str(row["created_by_name"])
        ),
        message_type=int(row["message_type"]),  # type: ignore[arg-type]
        delivery_modes=modes_of(int(row["delivery_modes"])),  # type: ignore[arg-type]
        has_attachment=bool(row["has_attachment"]),
        attachment_name=str(row["attachment_name"]),
        status=int(row["status"]),  # type: ignore[arg-type]
    )


async def list_messages(
    db: ReadOnly, f: MessageFilter, after: tuple[int, int] | None, size: int
) -> MessagePage:
    """One page after the keyset position ``after`` (None: the first page)."""
    if not f.types:
        return MessagePage([], None, 0)
    # The page and the count run side by side on the store's reader connections (a subject
    # search that may take the trigram index shares one read of it between them).
    if _by_subject_index(db.dialect, f):
        rows, (total, capped) = await _subject_page(db, f, after, size + 1)
    else:
        rows, (total, capped) = await asyncio.gather(
            _page_rows(db, f, after, size + 1), count_messages(db, f)
        )
    more = len(rows) > size
    rows = rows[:size]
    if after is None and not more:
        total, capped = len(rows), False  # the first page holds every match
    calendars = await calendars_of(db, [int(r["id"]) for r in rows])
    last = rows[-1] if rows else None
    return MessagePage(
        messages=[_summary(r, calendars[int(r["id"])]) for r in rows],
        next_position=(int(last["sent_time"]), int(last["id"])) if more and last else None,
        total_size=total,
        total_size_capped=capped,
    )
