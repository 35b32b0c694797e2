"""A district's stored settings as ``smlog.v1.District``, for Message Detail and GetDistrict."""

from __future__ import annotations

from smlog.store import ReadOnly, Row
from smlog.v1.common_pb2 import Calendar, DialingWindow, District

__all__ = ["district_of", "load_district", "load_district_row"]

_COLUMNS = (
    "id, name, time_zone, dial_window_start_minute, dial_window_end_minute, sms_short_code,"
    " retention_days"
)


def district_of(row: Row | None, district_id: int) -> District:
    """The district of a ``districts`` row (only the id when there is none)."""
    if row is None:
        return District(district_id=district_id)
    return District(
        district_id=int(row["id"]),
        name=str(row["name"]),
        time_zone=str(row["time_zone"]),
        dialing_window=DialingWindow(
            start_minute=int(row["dial_window_start_minute"]),
            end_minute=int(row["dial_window_end_minute"]),
        ),
        sms_short_code=str(row["sms_short_code"] or ""),
        retention_days=int(row["retention_days"]),
    )


async def load_district_row(db: ReadOnly, district_id: int) -> Row | None:
    return await db.fetch_one(
        f"SELECT {_COLUMNS} FROM districts WHERE id = ?",  # noqa: S608
        (district_id,),
    )


async def load_district(db: ReadOnly, district_id: int) -> tuple[District, list[Calendar]] | None:
    """The district with its calendars in id order; None when it is not set up."""
    row = await load_district_row(db, district_id)
    if row is None:
        return None
    calendars = await db.fetch_all(
        "SELECT id, school_name, school_year FROM calendars WHERE district_id = ? ORDER BY id",
        (district_id,),
    )
    return district_of(row, district_id), [
        Calendar(calendar_id=int(c[0]), school_name=str(c[1]), school_year=str(c[2]))
        for c in calendars
    ]
