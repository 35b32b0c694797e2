"""Store writes before dispatch starts: districts, draft messages and their recipients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence

from google.protobuf import json_format

from smlog.auth import Caller
from smlog.auth.visibility import MessageFacts
from smlog.config import check_time_zone
from smlog.domain.modes import DEFAULT_DIAL_WINDOW, mode_bits
from smlog.errors import (
    AlreadyExistsError,
    ConfigError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from smlog.readmodel.districts import load_district
from smlog.services.dispatch.resolution import devices_json
from smlog.store import Database, Row, Transaction, chunked, fetch_in, in_marks
from smlog.v1.common_pb2 import Calendar, District, MessageStatus
from smlog.v1.dispatch_pb2 import MessageDraft, Recipient

__all__ = [
    "add_recipients",
    "create_message",
    "get_district",
    "load_message",
    "remove_recipients",
    "upsert_district",
]

DRAFT = MessageStatus.MESSAGE_STATUS_DRAFT
MAX_RETENTION_DAYS = 36_500


async def load_message(
    db: Database, caller: Caller, message_id: int, allowed: Callable[[Caller, MessageFacts], bool]
) -> Row:
    """The message row when ``allowed`` (a rule of ``smlog.auth.visibility``) lets the caller
    act on it; NOT_FOUND otherwise, the same answer as for an id that does not exist."""
    row = await db.fetch_one(
        "SELECT id, district_id, created_by_user_id, status, message_type, sent_time,"
        " cancel_time FROM messages WHERE id = ?",
        (message_id,),
    )
    if row is None or not allowed(caller, MessageFacts.of(row)):
        raise NotFoundError(f"message {message_id} not found")
    return row


async def create_message(
    db: Database, caller: Caller, request_id: str, draft: MessageDraft, now_us: int
) -> tuple[int, int, bool]:
    """(message id, status, created): the same request id from the same sender is one message."""
    if len(request_id) > 128:
        raise InvalidArgumentError("request_id", "longer than 128 characters")
    request_id = request_id or f"auto-{uuid.uuid4()}"
    district = caller.district_id
    async with db.transaction() as tx:
        existing = await tx.fetch_one(
            "SELECT id, status FROM messages WHERE district_id = ? AND created_by_user_id = ?"
            " AND request_id = ?",
            (district, caller.user_id, request_id),
        )
        if existing is not None:
            return int(existing["id"]), int(existing["status"]), False
        if await tx.fetch_one("SELECT 1 FROM districts WHERE id = ?", (district,)) is None:
            raise FailedPreconditionError(
                f"district {district} is not set up; a district administrator calls UpsertDistrict"
            )
        calendars = list(draft.calendar_ids)
        if calendars:
            rows = await fetch_in(
                tx,
                "SELECT id FROM calendars WHERE district_id = ? AND id IN ({marks})",
                calendars,
                before=(district,),
            )
            known = {int(r["id"]) for r in rows}
            for i, calendar_id in enumerate(calendars):
                if calendar_id not in known:
                    raise InvalidArgumentError(
                        f"message.calendar_ids[{i}]", f"no calendar {calendar_id} in the district"
                    )
        content = json_format.MessageToDict(draft.content, preserving_proto_field_name=True)
        message_id = await tx.insert(
            "INSERT INTO messages (district_id, request_id, created_by_user_id, created_by_name,"
            " message_type, subject, subject_folded, delivery_modes, content_json,"
            " has_attachment, attachment_name, recipient_groups_json, preferred_language,"
            " school_year, active_students_only, tool_criteria_json, status, create_time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                district,
                request_id,
                caller.user_id,
                caller.display_name or caller.user_id,
                draft.message_type,
                draft.subject.strip(),
                draft.subject.strip().lower(),
                mode_bits(list(draft.delivery_modes)),
                json.dumps(content, separators=(",", ":")),
                int(draft.has_attachment),
                draft.attachment_name.strip(),
                json.dumps(list(draft.general_criteria.recipient_groups)),
                draft.general_criteria.preferred_language,
                draft.tool_criteria.school_year,
                int(draft.tool_criteria.active_students_only),
                json.dumps(dict(draft.tool_criteria.other), sort_keys=True),
                DRAFT,
                now_us,
            ),
        )
        await tx.executemany(
            "INSERT INTO message_calendars (message_id, calendar_id) VALUES (?, ?)",
            [(message_id, c) for c in calendars],
        )
    return message_id, DRAFT, True


async def add_recipients(
    db: Database, message_id: int, recipients: Sequence[Recipient]
) -> tuple[list[str], int]:
    """Adds the recipients not on the message yet; (their person ids, recipients in all)."""
    people = [r.person_id.strip() for r in recipients]
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        if row is None or int(row["status"]) != DRAFT:
            raise FailedPreconditionError(f"message {message_id}: dispatch has already started")
        rows = await fetch_in(
            tx,
            "SELECT person_id FROM recipients WHERE person_id IN ({marks}) AND message_id = ?",
            people,
            after=(message_id,),
        )
        known = {str(r["person_id"]) for r in rows}
        new = [(p, r) for p, r in zip(people, recipients, strict=True) if p not in known]
        await tx.executemany(
            "INSERT INTO recipients (message_id, person_id, name, student_name,"
            " preferred_language, devices_json) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    message_id,
                    p,
                    r.name.strip(),
                    r.student_name,
                    r.preferred_language,
                    devices_json(r),
                )
                for p, r in new
            ],
        )
        await tx.execute(
            "UPDATE messages SET total_recipients = total_recipients + ? WHERE id = ?",
            (len(new), message_id),
        )
        total = await tx.fetch_one(
            "SELECT total_recipients FROM messages WHERE id = ?", (message_id,)
        )
    return [p for p, _ in new], int(total["total_recipients"]) if total else 0


async def remove_recipients(db: Database, message_id: int, people: Sequence[str]) -> None:
    """Undo ``add_recipients`` of a stream that failed (its later request was invalid)."""
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        if row is None or int(row["status"]) != DRAFT:
            return
        removed = 0
        for chunk in chunked(people):
            marks = in_marks(len(chunk))
            removed += await tx.execute(
                f"DELETE FROM recipients WHERE message_id = ? AND person_id IN ({marks})",  # noqa: S608 - marks only
                [message_id, *chunk],
            )
        await tx.execute(
            "UPDATE messages SET total_recipients = total_recipients - ? WHERE id = ?",
            (removed, message_id),
        )


async def upsert_district(
    db: Database, caller: Caller, district: District, calendars: Sequence[Calendar]
) -> str:
    """Create or update a district and its calendars; returns the short code it now has.

    The short code decides which district an inbound STOP belongs to, so it is one district's
    only (ALREADY_EXISTS otherwise), and setting or changing it is an operator's action (a
    service identity): a district admin's request keeps the stored code, and asking for
    another one is PERMISSION_DENIED (docs/security.md)."""
    if not caller.is_service and district.district_id != caller.district_id:
        raise PermissionDeniedError("district_admin", f"manage district {district.district_id}")
    _check_district(district, calendars)
    window = district.dialing_window
    start, end = (
        (window.start_minute, window.end_minute) if window.end_minute else DEFAULT_DIAL_WINDOW
    )
    async with db.transaction() as tx:
        short_code = await _short_code(tx, caller, district)
        for i, calendar in enumerate(calendars):
            owner = await tx.fetch_one(
                "SELECT district_id FROM calendars WHERE id = ?", (calendar.calendar_id,)
            )
            if owner is not None and int(owner["district_id"]) != district.district_id:
                raise InvalidArgumentError(
                    f"calendars[{i}].calendar_id", "belongs to another district"
                )
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone, dial_window_start_minute,"
            " dial_window_end_minute, sms_short_code, retention_days) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone,"
            " dial_window_start_minute = excluded.dial_window_start_minute,"
            " dial_window_end_minute = excluded.dial_window_end_minute,"
            " sms_short_code = excluded.sms_short_code, retention_days = excluded.retention_days",
            (
                district.district_id,
                district.name.strip(),
                district.time_zone,
                start,
                end,
                short_code,
                district.retention_days,
            ),
        )
        await tx.executemany(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET school_name = excluded.school_name,"
            " school_year = excluded.school_year",
            [
                (c.calendar_id, district.district_id, c.school_name.strip(), c.school_year.strip())
                for c in calendars
            ],
        )
    return short_code


async def _short_code(tx: Transaction, caller: Caller, district: District) -> str:
    row = await tx.fetch_one(
        "SELECT sms_short_code FROM districts WHERE id = ?", (district.district_id,)
    )
    stored = str(row["sms_short_code"]) if row is not None else ""
    wanted = district.sms_short_code
    if not caller.is_service:
        if wanted and wanted != stored:
            raise PermissionDeniedError(
                "operator (service identity)", "set or change a district's SMS short code"
            )
        return stored
    if wanted and wanted != stored:
        owner = await tx.fetch_one(
            "SELECT id FROM districts WHERE sms_short_code = ? AND id <> ?",
            (wanted, district.district_id),
        )
        if owner is not None:
            raise AlreadyExistsError(
                "district.sms_short_code: another district uses this short code"
            )
    return wanted


async def get_district(db: Database, district_id: int) -> tuple[District, list[Calendar]]:
    """The district as stored, with its calendars in id order; NOT_FOUND if not set up."""
    found = await load_district(db, district_id)
    if found is None:
        raise NotFoundError(f"district {district_id} is not set up")
    return found


def _check_district(district: District, calendars: Sequence[Calendar]) -> None:
    if district.district_id <= 0:
        raise InvalidArgumentError("district.district_id", "must be a positive id")
    if not district.name.strip():
        raise InvalidArgumentError("district.name", "must not be empty")
    try:
        check_time_zone(district.time_zone)
    except ConfigError:
        raise InvalidArgumentError("district.time_zone", "not an IANA time zone") from None
    window = district.dialing_window
    if window.end_minute and not 0 <= window.start_minute < window.end_minute <= 1440:
        raise InvalidArgumentError(
            "district.dialing_window", "needs 0 <= start_minute < end_minute <= 1440"
        )
    if not 0 <= district.retention_days <= MAX_RETENTION_DAYS:
        raise InvalidArgumentError(
            "district.retention_days", f"0 (keep forever) to {MAX_RETENTION_DAYS} days"
        )
    if district.sms_short_code and not district.sms_short_code.isdigit():
        raise InvalidArgumentError("district.sms_short_code", "digits only")
    for i, calendar in enumerate(calendars):
        if calendar.calendar_id <= 0:
            raise InvalidArgumentError(f"calendars[{i}].calendar_id", "must be a positive id")
        if not calendar.school_name.strip() or not calendar.school_year.strip():
            raise InvalidArgumentError(f"calendars[{i}]", "school_name and school_year required")
