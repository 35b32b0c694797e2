"""The log's filters, validated: message id, dates in the district's zone, calendar, subject,
message types and scope, turned into one ``MessageFilter``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smlog.errors import InvalidArgumentError
from smlog.readmodel.access import SCOPE_MY, Viewer
from smlog.store import ReadOnly
from smlog.v1.common_pb2 import Date
from smlog.v1.log_pb2 import ListMessagesRequest

MAX_SUBJECT_CHARS = 200
_US = 1_000_000


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """What a list shows, after rights are applied. Times are UTC microseconds."""

    district_id: int
    creator: str | None  # My Messages: the viewer's user id
    message_id: int  # 0: any
    sent_from_us: int | None  # inclusive
    sent_before_us: int | None  # exclusive
    calendar_id: int  # 0: any
    subject_folded: str  # "": any
    types: tuple[int, ...]  # the message types shown (never empty unless nothing may be shown)

    def key(self) -> list[object]:
        """The parts a page token is bound to."""
        return [
            self.district_id,
            self.creator,
            self.message_id,
            self.sent_from_us,
            self.sent_before_us,
            self.calendar_id,
            self.subject_folded,
            list(self.types),
        ]


def _day(value: Date, field: str) -> dt.date:
    try:
        return dt.date(value.year, value.month, value.day)
    except ValueError:
        raise InvalidArgumentError(
            field, f"not a valid calendar date ({value.year}-{value.month}-{value.day})"
        ) from None


def _local_midnight_us(day: dt.date, zone: ZoneInfo) -> int:
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    return int(local.timestamp()) * _US


async def district_zone(db: ReadOnly, district_id: int) -> ZoneInfo:
    """The district's time zone (UTC if the district or its zone is unknown)."""
    row = await db.fetch_one("SELECT time_zone FROM districts WHERE id = ?", (district_id,))
    try:
        return ZoneInfo(str(row["time_zone"])) if row is not None else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def fold_subject(subject: str) -> str:
    """The subject filter as compared with messages.subject_folded (lower-cased)."""
    if len(subject) > MAX_SUBJECT_CHARS:
        raise InvalidArgumentError("subject", f"at most {MAX_SUBJECT_CHARS} characters")
    return subject.strip().lower()


async def day_bounds(
    db: ReadOnly, district_id: int, start_date: Date | None, end_date: Date | None
) -> tuple[int | None, int | None]:
    """A Start Date / End Date pair (district time zone, both inclusive) as UTC microseconds:
    sent on or after the first, before the second (None: no bound)."""
    start = _day(start_date, "start_date") if start_date is not None else None
    end = _day(end_date, "end_date") if end_date is not None else None
    if start is not None and end is not None and end < start:
        raise InvalidArgumentError("end_date", "is before start_date")
    sent_from = sent_before = None
    if start is not None or end is not None:
        zone = await district_zone(db, district_id)
        if start is not None:
            sent_from = _local_midnight_us(start, zone)
        if end is not None and end < dt.date.max:
            sent_before = _local_midnight_us(end + dt.timedelta(days=1), zone)
    return sent_from, sent_before


async def message_filter(
    db: ReadOnly, viewer: Viewer, request: ListMessagesRequest
) -> tuple[int, MessageFilter]:
    """The resolved scope and the validated filter of a ListMessages request."""
    scope = viewer.resolve_scope(request.scope)
    types = viewer.filter_types(list(request.message_types))
    if request.message_id < 0:
        raise InvalidArgumentError("message_id", "must not be negative")
    if request.calendar_id < 0:
        raise InvalidArgumentError("calendar_id", "must not be negative")
    subject = fold_subject(request.subject)
    sent_from, sent_before = await day_bounds(
        db,
        viewer.district_id,
        request.start_date if request.HasField("start_date") else None,
        request.end_date if request.HasField("end_date") else None,
    )
    return scope, MessageFilter(
        district_id=viewer.district_id,
        creator=viewer.user_id if scope == SCOPE_MY else None,
        message_id=request.message_id,
        sent_from_us=sent_from,
        sent_before_us=sent_before,
        calendar_id=request.calendar_id,
        subject_folded=subject,
        types=types,
    )
