"""A small log of two districts used by the list tests (see ``seed_log``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from smlog.store import Database
from smlog.v1.common_pb2 import MessageStatus
from tests.support.builders import (
    EMAIL,
    EMERGENCY,
    GENERAL,
    OPT_OUT,
    PRIORITY,
    TEXT,
    VOICE,
    add_calendar,
    add_district,
    add_message,
)

CHICAGO = ZoneInfo("America/Chicago")


def local(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> int:
    """Microseconds of a Chicago wall-clock time."""
    return int(dt.datetime(y, mo, d, h, mi, tzinfo=CHICAGO).timestamp()) * 1_000_000


@dataclass
class LogData:
    m1: int  # alice, General, "School Closed Today", calendar A, Mar 2 10:00
    m2: int  # bob, Priority, "Bus 12 late", calendar B, Mar 3 23:30 (Mar 4 in UTC)
    m3: int  # alice, Emergency, "Lockdown drill 100%_done", calendars A and B, Mar 4 00:30
    m4: int  # carol, Text Opt Out, "STOP", no calendar, Mar 5 09:00
    draft: int  # alice, General draft (not in the log)
    other: int  # district 2, user "alice", General, calendar C
    cal_a: int
    cal_b: int
    cal_c: int


async def seed_log(db: Database) -> LogData:
    await add_district(db, 1, time_zone="America/Chicago")
    await add_district(db, 2, time_zone="America/New_York")
    cal_a = await add_calendar(db, 1, school_name="Adams Elementary")
    cal_b = await add_calendar(db, 1, school_name="Burr Middle")
    cal_c = await add_calendar(db, 2, school_name="Clay High")
    m1 = await add_message(
        db,
        district_id=1,
        created_by="alice",
        message_type=GENERAL,
        subject="School Closed Today",
        sent_time=local(2026, 3, 2, 10),
        calendars=[cal_a],
        modes=[EMAIL, VOICE],
        attachment_name="closure.pdf",
    )
    m2 = await add_message(
        db,
        district_id=1,
        created_by="bob",
        message_type=PRIORITY,
        subject="Bus 12 late",
        sent_time=local(2026, 3, 3, 23, 30),
        calendars=[cal_b],
        modes=[TEXT],
    )
    m3 = await add_message(
        db,
        district_id=1,
        created_by="alice",
        message_type=EMERGENCY,
        subject="Lockdown drill 100%_done",
        sent_time=local(2026, 3, 4, 0, 30),
        calendars=[cal_a, cal_b],
        status=MessageStatus.MESSAGE_STATUS_IN_PROGRESS,
    )
    m4 = await add_message(
        db,
        district_id=1,
        created_by="carol",
        message_type=OPT_OUT,
        subject="STOP",
        sent_time=local(2026, 3, 5, 9),
        modes=[TEXT],
    )
    draft = await add_message(
        db,
        district_id=1,
        created_by="alice",
        subject="School draft",
        sent_time=None,
        status=MessageStatus.MESSAGE_STATUS_DRAFT,
    )
    other = await add_message(
        db,
        district_id=2,
        created_by="alice",
        subject="School Closed Today",
        sent_time=local(2026, 3, 3, 10),
        calendars=[cal_c],
    )
    return LogData(m1, m2, m3, m4, draft, other, cal_a, cal_b, cal_c)
