"""One big finished campaign for the report benchmark, written fast in bulk (``copy_rows``).

``seed_message(db, message_id, devices)`` writes a four-mode message of ``devices`` device
targets (two thirds as many recipients, so some have several devices), a realistic status
mix with vendor details on failures, status times over an hour, and the counters dispatch
keeps (``message_mode_stats``, ``messages``) consistent with the targets. Attempt rows are
left out: reports never read them.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from smlog.domain import status_group
from smlog.domain.modes import MODES, mode_bits
from smlog.store import Database
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, MessageStatus

SENT_US = int(datetime(2026, 3, 9, 14, tzinfo=UTC).timestamp()) * 1_000_000
DISTRICT_ID = 1
USER_ID = "bench-sender"
_FLUSH = 50_000
_M = DeliveryMode
_S = DeviceStatus
# Final statuses per mode, weighted: mostly successful, a few errors and cancellations.
_FINALS: dict[int, tuple[tuple[int, str], ...]] = {
    _M.DELIVERY_MODE_INBOX: ((_S.DEVICE_STATUS_SENT, ""),) * 9 + ((_S.DEVICE_STATUS_CANCELED, ""),),
    _M.DELIVERY_MODE_EMAIL: ((_S.DEVICE_STATUS_SENT, "delivered"),) * 8
    + ((_S.DEVICE_STATUS_ERROR, "failed: 550 5.1.1 mailbox does not exist"),)
    + ((_S.DEVICE_STATUS_NO_DEVICE, ""),),
    _M.DELIVERY_MODE_VOICE: ((_S.DEVICE_STATUS_COMPLETED, ""),) * 4
    + ((_S.DEVICE_STATUS_NOT_CONFIRMED, ""),) * 3
    + ((_S.DEVICE_STATUS_NO_ANSWER, ""), (_S.DEVICE_STATUS_BUSY, ""))
    + ((_S.DEVICE_STATUS_FAILED, "PSTN failure"),),
    _M.DELIVERY_MODE_TEXT: ((_S.DEVICE_STATUS_DELIVERED, ""),) * 7
    + ((_S.DEVICE_STATUS_SENT, ""), (_S.DEVICE_STATUS_OPT_OUT, ""))
    + ((_S.DEVICE_STATUS_UNDELIVERED, "30006: landline or unreachable carrier"),),
}
_FIRST = ("Ann", "Ben", "Zoë", "José", "Mai", "Omar", "Siobhán", "Li", "Nguyễn", "Ava")
_LAST = ("Lee", "Ortiz", "O'Brien", "Smith", "Kowalski", "Tran", "García", "Nakamura")


def _address(mode: int, i: int) -> str:
    if mode == _M.DELIVERY_MODE_INBOX:
        return f"portal:{i}"
    if mode == _M.DELIVERY_MODE_EMAIL:
        return f"guardian{i}@example.org"
    return f"+1555{i % 10_000_000:07d}"


async def _flush(
    db: Database, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    if rows:
        async with db.transaction() as tx:
            await tx.copy_rows(table, columns, rows)
        rows.clear()


async def seed_district(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone, sms_short_code) VALUES (?, ?, ?, ?)",
            (DISTRICT_ID, "Benchmark Unified School District", "America/Chicago", "55555"),
        )
        await tx.execute(
            "INSERT INTO calendars (id, district_id, school_name, school_year)"
            " VALUES (1, ?, 'Benchmark High', '2025-26')",
            (DISTRICT_ID,),
        )


async def seed_message(db: Database, message_id: int, devices: int, *, seed: int = 1) -> None:
    """Message ``message_id`` with ``devices`` targets; ids are ``message_id``-spaced so
    several messages can share a store."""
    rng = random.Random(seed)
    people = max(1, devices * 2 // 3)
    await _message_row(db, message_id, people)
    base = message_id * 10_000_000
    recipient_columns = ("id", "message_id", "person_id", "name", "student_name")
    rows: list[tuple[Any, ...]] = []
    for p in range(people):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {p}"
        student = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        rows.append((base + p, message_id, f"p{p}", name, student))
        if len(rows) >= _FLUSH:
            await _flush(db, "recipients", recipient_columns, rows)
    await _flush(db, "recipients", recipient_columns, rows)
    target_columns = (
        "id", "message_id", "recipient_id", "mode", "address", "status", "status_group",
        "status_time", "attempt_count", "vendor_detail", "is_first_device", "priority",
        "is_final",
    )  # fmt: skip
    stats = {m: [0, 0, 0, 0, 0] for m in MODES}  # devices, attempts, ok, error, canceled
    end = SENT_US
    for i in range(devices):
        mode = MODES[i % len(MODES)]
        status, detail = rng.choice(_FINALS[mode])
        group = status_group(status)
        at = SENT_US + rng.randrange(1, 3600) * 1_000_000
        end = max(end, at)
        tries = 0 if status == _S.DEVICE_STATUS_NO_DEVICE else rng.choice((1, 1, 1, 2, 3))
        address = "" if status == _S.DEVICE_STATUS_NO_DEVICE else _address(mode, i)
        rows.append(
            (
                base + i,
                message_id,
                base + i % people,
                mode,
                address,
                status,
                group,
                at,
                tries,
                detail,
                1,  # is_first_device
                2,  # priority
                1,  # is_final
            )
        )
        if address:
            s = stats[mode]
            s[0] += 1
            s[1] += tries
            s[1 + group] += 1
        if len(rows) >= _FLUSH:
            await _flush(db, "targets", target_columns, rows)
    await _flush(db, "targets", target_columns, rows)
    async with db.transaction() as tx:
        await tx.execute("UPDATE messages SET end_time = ? WHERE id = ?", (end, message_id))
        await tx.executemany(
            "INSERT INTO message_mode_stats (message_id, mode, total_devices, total_attempts,"
            " total_successful, total_error, total_canceled, first_attempt_pending,"
            " first_attempt_end_time) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            [(message_id, mode, *s, end) for mode, s in stats.items()],
        )


async def _message_row(db: Database, message_id: int, people: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO messages (id, district_id, request_id, created_by_user_id,"
            " created_by_name, message_type, subject, subject_folded, delivery_modes,"
            " content_json, has_attachment, attachment_name, status, create_time, sent_time,"
            " total_recipients, recipients_no_device)"
            " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 0, '', ?, ?, ?, ?, 0)",
            (
                message_id,
                DISTRICT_ID,
                f"bench-{message_id}",
                USER_ID,
                "Benchmark Sender",
                "Early dismissal today: weather",
                "early dismissal today: weather",
                mode_bits(MODES),
                json.dumps({"emailBody": "School closes at noon."}),
                MessageStatus.MESSAGE_STATUS_SENT,
                SENT_US - 60_000_000,
                SENT_US,
                people,
            ),
        )
        await tx.execute(
            "INSERT INTO message_calendars (message_id, calendar_id) VALUES (?, 1)", (message_id,)
        )
