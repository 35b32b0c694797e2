"""A district as the read side shows it: its row as a ``District``, and its calendars."""

from __future__ import annotations

from smlog.errors import NotFoundError
from smlog.readmodel.access import Viewer
from smlog.store import ReadOnly, Row
from smlog.v1.common_pb2 import Calendar, DialingWindow, District

DISTRICT_SELECT = (
    "SELECT id, name, time_zone, dial_window_start_minute, dial_window_end_minute,"
    " sms_short_code FROM districts WHERE id = ?"
)


def district_of(row: Row | None, district_id: int) -> District:
    """A ``districts`` row (selected with ``DISTRICT_SELECT``) as a ``District``."""
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
        sms_short_code=str(row["sms_short_code"]),
    )


async def viewer_district(db: ReadOnly, viewer: Viewer) -> tuple[District, list[Calendar]]:
    """The viewer's own district and its calendars by school name; NOT_FOUND before the
    district exists. Only ever the viewer's district: no other district can be asked for."""
    row = await db.fetch_one(DISTRICT_SELECT, (viewer.district_id,))
    if row is None:
        raise NotFoundError(f"district {viewer.district_id} not found")
    rows = await db.fetch_all(
        "SELECT id, school_name, school_year FROM calendars WHERE district_id = ?"
        " ORDER BY school_name, school_year, id",
        (viewer.district_id,),
    )
    calendars = [
        Calendar(calendar_id=int(r["id"]), school_name=str(r["school_name"]),
                 school_year=str(r["school_year"]))
        for r in rows
    ]  # fmt: skip
    return district_of(row, viewer.district_id), calendars
