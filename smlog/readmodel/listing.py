"""The log table: one page of messages, newest first, keyset-paginated, and its total count.

Order is ``sent_time DESC, id DESC``. Each single filter is served by an index of 0001 that
yields rows already in that order (see docs/log.md for the query plans); a page never uses
OFFSET. Several message types are read as one ordered sub-select per type, merged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smlog.clock import to_timestamp
from smlog.domain.modes import modes_of
from smlog.readmodel.access import ALL_TYPES
from smlog.readmodel.filters import MessageFilter
from smlog.store import ReadOnly, Row
from smlog.v1.common_pb2 import Calendar, User
from smlog.v1.log_pb2 import MessageSummary

_COLUMNS = (
    "m.id, m.sent_time, m.subject, m.created_by_user_id, m.created_by_name, m.message_type,"
    " m.delivery_modes, m.has_attachment, m.attachment_name, m.status"
)
# Calendar sizes (messages) up to which a page / a count starts from the calendar's rows.
SMALL_CALENDAR_PAGE = 1_000
SMALL_CALENDAR_COUNT = 10_000


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[MessageSummary]
    next_position: tuple[int, int] | None  # (sent_time, id) of the last row when more follow
    total_size: int


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(
    f: MessageFilter, types: Sequence[int], via_calendar: bool
) -> tuple[str, list[str], list[Any]]:
    """The FROM clause, conditions and parameters of a filter."""
    source = "messages m"
    where: list[str] = []
    params: list[Any] = []
    if f.calendar_id and via_calendar:
        # Small calendar: start from its rows (CROSS JOIN keeps SQLite from reordering).
        source = "message_calendars mc CROSS JOIN messages m"
        where += ["mc.calendar_id = ?", "m.id = mc.message_id"]
        params.append(f.calendar_id)
    # Drafts have no sent_time; testing it (not status) keeps counts index-only.
    where += ["m.district_id = ?", "m.sent_time IS NOT NULL"]
    params.append(f.district_id)
    if f.creator is not None:
        where.append("m.created_by_user_id = ?")
        params.append(f.creator)
    if f.message_id:
        where.append("m.id = ?")
        params.append(f.message_id)
    if f.sent_from_us is not None:
        where.append("m.sent_time >= ?")
        params.append(f.sent_from_us)
    if f.sent_before_us is not None:
        where.append("m.sent_time < ?")
        params.append(f.sent_before_us)
    if f.calendar_id and not via_calendar:
        # Large calendar: walk the district's log in order, testing membership.
        where.append(
            "m.id IN (SELECT mc.message_id FROM message_calendars mc WHERE mc.calendar_id = ?)"
        )
        params.append(f.calendar_id)
    if f.subject_folded:
        where.append("m.subject_folded LIKE ? ESCAPE '\\'")
        params.append(f"%{escape_like(f.subject_folded)}%")
    if len(types) == 1:
        where.append("m.message_type = ?")
        params.append(types[0])
    elif set(types) != set(ALL_TYPES):
        where.append(f"m.message_type IN ({', '.join('?' * len(types))})")
        params.extend(types)
    return source, where, params


def _page_sql(
    f: MessageFilter,
    types: Sequence[int],
    after: tuple[int, int] | None,
    limit: int,
    via_calendar: bool,
) -> tuple[str, list[Any]]:
    source, where, params = _conditions(f, types, via_calendar)
    if after is not None:
        where.append("m.sent_time <= ? AND (m.sent_time < ? OR m.id < ?)")
        params.extend([after[0], after[0], after[1]])
    sql = (
        f"SELECT {_COLUMNS} FROM {source} WHERE {' AND '.join(where)}"  # noqa: S608
        " ORDER BY m.sent_time DESC, m.id DESC LIMIT ?"
    )
    return sql, [*params, limit]


async def _rows(
    db: ReadOnly, f: MessageFilter, after: tuple[int, int] | None, limit: int, via: bool
) -> list[Row]:
    if len(f.types) <= 1 or set(f.types) == set(ALL_TYPES):
        sql, params = _page_sql(f, f.types, after, limit, via)
        return await db.fetch_all(sql, params)
    # Several (not all) types: each type's index yields its rows in order; merge the heads.
    parts = [_page_sql(f, (t,), after, limit, via) for t in f.types]
    # Each part needs an alias: PostgreSQL refuses an unnamed subquery in FROM.
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({s}) AS part{i}"  # noqa: S608
        for i, (s, _) in enumerate(parts)
    )
    sql = f"SELECT * FROM ({sql}) AS merged ORDER BY sent_time DESC, id DESC LIMIT ?"  # noqa: S608
    return await db.fetch_all(sql, [*(p for _, ps in parts for p in ps), limit])


async def count_messages(db: ReadOnly, f: MessageFilter, via_calendar: bool) -> int:
    if not f.types:
        return 0
    source, where, params = _conditions(f, f.types, via_calendar)
    row = await db.fetch_one(
        f"SELECT count(*) FROM {source} WHERE {' AND '.join(where)}",  # noqa: S608
        params,
    )
    return int(row[0]) if row is not None else 0


async def _calendar_size(db: ReadOnly, f: MessageFilter) -> int | None:
    """How many messages the filter's calendar holds (None without a calendar filter).

    A page starts from the calendar's rows when it holds few messages (walking the district's
    log in order would pass many rows per match) and walks the log otherwise (a page is found
    soon); the count starts from the calendar's rows unless it is larger than a walk."""
    if not f.calendar_id or f.message_id:
        return None
    row = await db.fetch_one(
        "SELECT count(*) FROM message_calendars WHERE calendar_id = ?", (f.calendar_id,)
    )
    return int(row[0]) if row is not None else 0


async def calendars_of(db: ReadOnly, message_ids: Sequence[int]) -> dict[int, list[Calendar]]:
    """Each message's calendars, by school name."""
    found: dict[int, list[Calendar]] = {i: [] for i in message_ids}
    if not message_ids:
        return found
    marks = ", ".join("?" * len(message_ids))
    sql = (
        "SELECT mc.message_id, c.id, c.school_name, c.school_year FROM message_calendars mc"  # noqa: S608 - placeholders only
        f" JOIN calendars c ON c.id = mc.calendar_id WHERE mc.message_id IN ({marks})"
        " ORDER BY mc.message_id, c.school_name, c.id"
    )
    rows = await db.fetch_all(sql, list(message_ids))
    for r in rows:
        found[int(r[0])].append(
            Calendar(calendar_id=int(r[1]), school_name=str(r[2]), school_year=str(r[3]))
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
    calendar_size = await _calendar_size(db, f)
    small = calendar_size is not None and calendar_size <= SMALL_CALENDAR_PAGE
    countable = calendar_size is not None and calendar_size <= SMALL_CALENDAR_COUNT
    rows, total = await asyncio.gather(
        _rows(db, f, after, size + 1, small), count_messages(db, f, countable)
    )
    more = len(rows) > size
    rows = rows[:size]
    calendars = await calendars_of(db, [int(r["id"]) for r in rows])
    last = rows[-1] if rows else None
    return MessagePage(
        messages=[_summary(r, calendars[int(r["id"])]) for r in rows],
        next_position=(int(last["sent_time"]), int(last["id"])) if more and last else None,
        total_size=total,
    )
