"""Test data written straight into the store, per smlog/store/sql/0001_initial.sql.

Plain async functions over ``smlog.store.Database``; each returns the new row's id. Times are
UTC microseconds. ``add_campaign`` writes a whole message with its recipients, device targets
and attempts, and fills the counters dispatch maintains (``message_mode_stats`` and the
``messages`` counters) from them by the counting rules of docs/statuses.md, so the read side can be
checked against hand-computed figures.

    db = await open_database(settings)
    await add_district(db, 1)
    cal = await add_calendar(db, 1, school_name="Lincoln High")
    mid = await add_campaign(db, district_id=1, calendars=[cal], recipients=[
        Person("Ann Lee", devices=[Device(VOICE, "+15555550101", ["busy", "completed"])]),
    ])
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smlog.domain import is_final, status_group
from smlog.domain.modes import mode_bits
from smlog.store import Database
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, MessageStatus, MessageType

T0 = int(datetime(2026, 3, 9, 15, 0, tzinfo=UTC).timestamp()) * 1_000_000
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

INBOX = DeliveryMode.DELIVERY_MODE_INBOX
EMAIL = DeliveryMode.DELIVERY_MODE_EMAIL
VOICE = DeliveryMode.DELIVERY_MODE_VOICE
TEXT = DeliveryMode.DELIVERY_MODE_TEXT
GENERAL = MessageType.MESSAGE_TYPE_GENERAL
PRIORITY = MessageType.MESSAGE_TYPE_PRIORITY
EMERGENCY = MessageType.MESSAGE_TYPE_EMERGENCY
OPT_IN = MessageType.MESSAGE_TYPE_TEXT_OPT_IN
OPT_OUT = MessageType.MESSAGE_TYPE_TEXT_OPT_OUT

_ids = itertools.count(1)


def status(name: str) -> int:
    """A DeviceStatus by short name: "completed", "no_answer", "vendor_error", ..."""
    return int(DeviceStatus.Value(f"DEVICE_STATUS_{name.upper()}"))


async def add_district(
    db: Database,
    district_id: int = 1,
    *,
    name: str = "",
    time_zone: str = "America/Chicago",
    short_code: str | None = None,
) -> int:
    """A districts row. One district per short code (migration 0050): by default district 1
    has 55555, district 2 55556...; ``short_code=""`` for a district without one."""
    code = str(55554 + district_id) if short_code is None else short_code
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone, sms_short_code) VALUES (?, ?, ?, ?)",
            (district_id, name or f"District {district_id}", time_zone, code),
        )
    return district_id


async def add_calendar(
    db: Database,
    district_id: int,
    *,
    calendar_id: int | None = None,
    school_name: str = "Lincoln High",
    school_year: str = "2025-26",
) -> int:
    calendar_id = calendar_id or 1000 + next(_ids)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)",
            (calendar_id, district_id, school_name, school_year),
        )
    return calendar_id


async def add_message(
    db: Database,
    *,
    district_id: int,
    created_by: str = "alice",
    created_by_name: str = "",
    message_type: int = GENERAL,
    subject: str = "School closed today",
    modes: Sequence[int] = (EMAIL,),
    sent_time: int | None = T0,
    end_time: int | None = None,
    status: int = MessageStatus.MESSAGE_STATUS_SENT,
    calendars: Sequence[int] = (),
    content: dict[str, str] | None = None,
    attachment_name: str = "",
    recipient_groups: Sequence[str] = ("Guardians",),
    preferred_language: str = "",
    school_year: str = "2025-26",
    active_students_only: bool = True,
    tool_criteria: dict[str, str] | None = None,
    total_recipients: int = 0,
    recipients_no_device: int = 0,
    pending_targets: int = 0,
    message_id: int | None = None,
) -> int:
    """One messages row (and its calendars); counters as given."""
    bits = mode_bits(modes)
    row: dict[str, Any] = {
        "district_id": district_id,
        "request_id": f"req-{next(_ids)}",
        "created_by_user_id": created_by,
        "created_by_name": created_by_name or created_by.title(),
        "message_type": message_type,
        "subject": subject,
        "subject_folded": subject.lower(),
        "delivery_modes": bits,
        "content_json": json.dumps(content or {"emailBody": "Hello"}),
        "has_attachment": int(bool(attachment_name)),
        "attachment_name": attachment_name,
        "recipient_groups_json": json.dumps(list(recipient_groups)),
        "preferred_language": preferred_language,
        "school_year": school_year,
        "active_students_only": int(active_students_only),
        "tool_criteria_json": json.dumps(tool_criteria or {}),
        "status": status,
        "create_time": (sent_time or T0) - MINUTE,
        "sent_time": sent_time,
        "end_time": end_time,
        "total_recipients": total_recipients,
        "recipients_no_device": recipients_no_device,
        "pending_targets": pending_targets,
    }
    if message_id is not None:
        row["id"] = message_id
    names = ", ".join(row)
    marks = ", ".join("?" * len(row))
    async with db.transaction() as tx:
        new_id = await tx.insert(
            f"INSERT INTO messages ({names}) VALUES ({marks})", list(row.values())
        )
        await tx.executemany(
            "INSERT INTO message_calendars (message_id, calendar_id) VALUES (?, ?)",
            [(new_id, c) for c in calendars],
        )
    return new_id


async def add_mode_stats(
    db: Database,
    message_id: int,
    mode: int,
    *,
    total_devices: int = 0,
    total_attempts: int = 0,
    total_successful: int = 0,
    total_error: int = 0,
    total_canceled: int = 0,
    first_attempt_pending: int = 0,
    first_attempt_end_time: int | None = None,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO message_mode_stats (message_id, mode, total_devices, total_attempts,"
            " total_successful, total_error, total_canceled, first_attempt_pending,"
            " first_attempt_end_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message_id,
                mode,
                total_devices,
                total_attempts,
                total_successful,
                total_error,
                total_canceled,
                first_attempt_pending,
                first_attempt_end_time,
            ),
        )


@dataclass
class Device:
    """One device target: its attempts' statuses in order (names for ``status``), or a
    suppression status with no attempt (``suppressed="not_eligible"``, "opt_out", "canceled"),
    or an empty address for a No Device placeholder."""

    mode: int
    address: str
    attempts: Sequence[str] = ()
    suppressed: str = ""
    extension: str = ""
    first: bool = True  # the recipient's first device of this mode
    vendor_detail: str = ""
    seconds: int = 10  # each attempt's final status arrives this long after the previous


@dataclass
class Person:
    name: str
    student: str = ""
    devices: list[Device] = field(default_factory=list)


def _device_state(d: Device, sent_time: int) -> dict[str, Any]:
    """A device's target columns and attempt rows, as dispatch and status would leave them."""
    if not d.address:
        st = status("no_device")
        return {"status": st, "final": True, "time": sent_time, "attempts": [], "first": None}
    if d.suppressed:
        st = status(d.suppressed)
        return {"status": st, "final": True, "time": sent_time, "attempts": [], "first": None}
    attempts = []
    t = sent_time
    for name in d.attempts:
        st = status(name)
        final = is_final(st, d.mode)
        t += d.seconds * SECOND
        attempts.append((st, t, final))
    if not attempts:
        return {
            "status": status("queued"),
            "final": False,
            "time": None,
            "attempts": [],
            "first": (False, None),
        }
    last_status, last_time, last_final = attempts[-1]
    _, first_time, first_final = attempts[0]
    return {
        "status": last_status,
        "final": last_final,
        "time": last_time,
        "attempts": attempts,
        "first": (first_final, first_time),
    }


async def add_campaign(
    db: Database,
    *,
    district_id: int,
    recipients: Sequence[Person],
    modes: Sequence[int] | None = None,
    sent_time: int = T0,
    canceled: bool = False,
    **message: Any,
) -> int:
    """A whole message: recipients, targets, attempts, and the counters derived from them."""
    people = list(recipients)
    if modes is None:
        modes = sorted({d.mode for p in people for d in p.devices}) or [EMAIL]
    mid = await add_message(
        db, district_id=district_id, modes=modes, sent_time=sent_time, **message
    )
    stats = {m: dict.fromkeys(("dev", "att", "ok", "err", "can", "fpend"), 0) for m in modes}
    first_ends: dict[int, list[int]] = {m: [] for m in modes}
    pending = no_device = 0
    final_times: list[int] = []
    async with db.transaction() as tx:
        for n, person in enumerate(people):
            rid = await tx.insert(
                "INSERT INTO recipients (message_id, person_id, name, student_name)"
                " VALUES (?, ?, ?, ?)",
                (mid, f"p{n}", person.name, person.student),
            )
            devices = person.devices or [Device(modes[0], "")]
            if not person.devices:
                no_device += 1
            for d in devices:
                s = _device_state(d, sent_time)
                tid = await tx.insert(
                    "INSERT INTO targets (message_id, recipient_id, mode, address, extension,"
                    " is_first_device, priority, status, status_group, status_time, is_final,"
                    " attempt_count, vendor_detail) VALUES (?, ?, ?, ?, ?, ?, 2, ?, ?, ?, ?, ?, ?)",
                    (
                        mid,
                        rid,
                        d.mode,
                        d.address,
                        d.extension,
                        int(d.first and s["first"] is not None),
                        s["status"],
                        status_group(s["status"]),
                        s["time"],
                        int(s["final"]),
                        len(s["attempts"]),
                        d.vendor_detail,
                    ),
                )
                for number, (st, t, final) in enumerate(s["attempts"], start=1):
                    await tx.execute(
                        "INSERT INTO attempts (target_id, message_id, mode, number,"
                        " idempotency_key, vendor_reference, status, status_time, create_time,"
                        " is_final, vendor_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            tid,
                            mid,
                            d.mode,
                            number,
                            f"k-{tid}-{number}",
                            f"v-{tid}-{number}",
                            st,
                            t,
                            t - SECOND,
                            int(final),
                            d.vendor_detail,
                        ),
                    )
                if not d.address:
                    continue
                c = stats[d.mode]
                c["dev"] += 1
                c["att"] += len(s["attempts"])
                if s["final"]:
                    final_times.append(s["time"])
                    group = {1: "ok", 2: "err", 3: "can"}[status_group(s["status"])]
                    c[group] += 1
                else:
                    pending += 1
                if d.first and s["first"] is not None:
                    first_final, first_time = s["first"]
                    if first_final:
                        first_ends[d.mode].append(first_time)
                    else:
                        c["fpend"] += 1
        for mode, c in stats.items():
            await tx.execute(
                "INSERT INTO message_mode_stats (message_id, mode, total_devices, total_attempts,"
                " total_successful, total_error, total_canceled, first_attempt_pending,"
                " first_attempt_end_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    mid,
                    mode,
                    c["dev"],
                    c["att"],
                    c["ok"],
                    c["err"],
                    c["can"],
                    c["fpend"],
                    max(first_ends[mode]) if first_ends[mode] and not c["fpend"] else None,
                ),
            )
        devices_total = sum(c["dev"] for c in stats.values())
        errors = sum(c["err"] for c in stats.values())
        if pending:
            state, end = MessageStatus.MESSAGE_STATUS_IN_PROGRESS, None
        else:
            end = max(final_times, default=sent_time)
            if canceled:
                state = MessageStatus.MESSAGE_STATUS_CANCELED
            elif not people:
                state = MessageStatus.MESSAGE_STATUS_NO_RECIPIENTS
            elif devices_total and errors == devices_total:
                state = MessageStatus.MESSAGE_STATUS_ERRORED
            else:
                state = MessageStatus.MESSAGE_STATUS_SENT
        await tx.execute(
            "UPDATE messages SET status = ?, end_time = ?, total_recipients = ?,"
            " recipients_no_device = ?, pending_targets = ? WHERE id = ?",
            (state, end, len(people), no_device, pending, mid),
        )
    return mid
