"""One canceled campaign with redials, suppressions, a shared phone and a person with no
device; the detail and deliveries tests check the read side against hand-computed figures."""

from __future__ import annotations

from smlog.store import Database
from tests.support.builders import (
    EMAIL,
    EMERGENCY,
    T0,
    TEXT,
    VOICE,
    Device,
    Person,
    add_calendar,
    add_campaign,
    add_district,
)

ANN_PHONE = "+15555550101"


async def seed_campaign(db: Database) -> int:
    await add_district(db, 1, name="Springfield Public Schools", time_zone="America/Chicago")
    cal = await add_calendar(db, 1, school_name="Lincoln High", school_year="2025-26")
    people = [
        Person(
            "Ann Lee",
            student="Sam Lee",
            devices=[
                Device(VOICE, ANN_PHONE, ["busy", "busy", "completed"]),  # +10, +20, +30 s
                Device(TEXT, ANN_PHONE, ["delivered"]),  # +10 s
                Device(EMAIL, "ann.lee@example.org", ["sent"]),  # +10 s
            ],
        ),
        Person(
            "Ben Ode",
            devices=[
                Device(VOICE, "+15555550102", ["no_answer"] * 3, seconds=40),  # +40, +80, +120 s
                Device(VOICE, "+15555550112", ["failed"], first=False, vendor_detail="PSTN"),
                Device(
                    EMAIL,
                    "ben@example.org",
                    ["vendor_error"],
                    seconds=25,
                    vendor_detail="500: upstream",
                ),
            ],
        ),
        Person(
            "Cat Poe",
            devices=[
                Device(VOICE, "+15555550103", suppressed="canceled", extension="12"),
                Device(TEXT, "+15555550103", suppressed="not_eligible", extension="12"),
            ],
        ),
        Person("Dan Ray", devices=[Device(TEXT, "+15555550104", suppressed="opt_out")]),
        Person("Eve Sun"),  # no device: a No Device row
        Person("Gus Lee", devices=[Device(VOICE, ANN_PHONE, ["completed"], seconds=5)]),
    ]
    return await add_campaign(
        db,
        district_id=1,
        recipients=people,
        modes=[EMAIL, VOICE, TEXT],
        canceled=True,
        sent_time=T0,
        created_by="alice",
        created_by_name="Alice Park",
        message_type=EMERGENCY,
        subject="Shelter in place",
        calendars=[cal],
        content={"emailBody": "Stay inside.", "voiceScript": "Stay inside.", "textBody": "Stay"},
        attachment_name="map.pdf",
        recipient_groups=["Guardians", "Staff"],
        preferred_language="es",
        school_year="2025-26",
        active_students_only=True,
        tool_criteria={"Grade": "9-12"},
    )
