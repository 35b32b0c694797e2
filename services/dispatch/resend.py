"""ResendMessage: a finished message sent again to the devices it did not reach.

The resend is an ordinary message made through the ordinary paths, so every rule of a send
applies to it: ``accept.create_message`` (idempotent by request id), ``accept.add_recipients``
and ``start.start_dispatch`` (opt-outs, eligibility, priorities; the engine keeps the
dialing window). Each step is idempotent, so a retried call after a crash between steps
finishes the same message (docs/dispatch.md "Resend"):

1. the original must be visible to the caller (NOT_FOUND otherwise) and finished or canceled;
2. the new draft copies its content, type, calendars and criteria, with the chosen modes;
3. it is linked to the original (``messages.resend_of``);
4. its recipients are the original's people with a device whose final status is in the chosen
   set, each with only those devices, and only devices the person still has: the person's
   devices as the district's latest message to them lists them;
5. dispatch starts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format

from smlog.auth import Caller
from smlog.auth.visibility import may_see
from smlog.domain.modes import PHONE_MODES
from smlog.errors import FailedPreconditionError, InvalidArgumentError
from smlog.readmodel.deliveries import check_modes, check_statuses
from smlog.services.dispatch import accept
from smlog.services.dispatch.policy import modes_of
from smlog.services.dispatch.start import start_dispatch
from smlog.store import Database, in_marks
from smlog.v1.common_pb2 import (
    DeliveryMode,
    DeviceStatus,
    GeneralFilterCriteria,
    MessageContent,
    MessageStatus,
    ToolSpecificCriteria,
)
from smlog.v1.dispatch_pb2 import Device, DeviceType, MessageDraft, Recipient

__all__ = ["DEFAULT_STATUSES", "resend_message"]

_S = DeviceStatus
# The error group, No Answer, Busy and No Call Status.
DEFAULT_STATUSES: tuple[int, ...] = (
    _S.DEVICE_STATUS_FAILED,
    _S.DEVICE_STATUS_UNDELIVERED,
    _S.DEVICE_STATUS_ERROR,
    _S.DEVICE_STATUS_VENDOR_ERROR,
    _S.DEVICE_STATUS_NO_ANSWER,
    _S.DEVICE_STATUS_BUSY,
    _S.DEVICE_STATUS_NO_CALL_STATUS,
)
_FINISHED = frozenset(
    {
        MessageStatus.MESSAGE_STATUS_SENT,
        MessageStatus.MESSAGE_STATUS_ERRORED,
        MessageStatus.MESSAGE_STATUS_CANCELED,
        MessageStatus.MESSAGE_STATUS_NO_RECIPIENTS,
    }
)
_PHONE = DeviceType.DEVICE_TYPE_PHONE
_BATCH = 500


async def _draft_of(db: Database, message_id: int, modes: Sequence[int]) -> MessageDraft:
    row = await db.fetch_one(
        "SELECT message_type, subject, content_json, has_attachment, attachment_name,"
        " recipient_groups_json, preferred_language, school_year, active_students_only,"
        " tool_criteria_json FROM messages WHERE id = ?",
        (message_id,),
    )
    if row is None:
        raise FailedPreconditionError(f"message {message_id} is gone")
    calendars = await db.fetch_all(
        "SELECT calendar_id FROM message_calendars WHERE message_id = ? ORDER BY calendar_id",
        (message_id,),
    )
    content = MessageContent()
    json_format.ParseDict(json.loads(str(row["content_json"])), content)
    return MessageDraft(
        message_type=int(row["message_type"]),  # type: ignore[arg-type]
        subject=str(row["subject"]),
        delivery_modes=list(modes),  # type: ignore[arg-type]
        content=content,
        calendar_ids=[int(c["calendar_id"]) for c in calendars],
        has_attachment=bool(row["has_attachment"]),
        attachment_name=str(row["attachment_name"]),
        general_criteria=GeneralFilterCriteria(
            recipient_groups=json.loads(str(row["recipient_groups_json"])),
            preferred_language=str(row["preferred_language"]),
        ),
        tool_criteria=ToolSpecificCriteria(
            school_year=str(row["school_year"]),
            active_students_only=bool(row["active_students_only"]),
            other=json.loads(str(row["tool_criteria_json"])),
        ),
    )


async def _current_devices(db: Database, district_id: int, person_id: str) -> list[dict[str, Any]]:
    """The person's devices as the district's latest message to them lists them."""
    row = await db.fetch_one(
        "SELECT r.devices_json FROM recipients r JOIN messages m ON m.id = r.message_id"
        " WHERE r.person_id = ? AND m.district_id = ? AND m.resend_of IS NULL"
        " ORDER BY r.message_id DESC LIMIT 1",
        (person_id, district_id),
    )
    return list(json.loads(str(row["devices_json"]))) if row is not None else []


def _key(device: dict[str, Any]) -> tuple[str, str]:
    address = str(device["a"])
    if device.get("t") != _PHONE:
        address = address.lower()
    return address, str(device.get("x") or "")


async def _recipients(
    db: Database,
    district_id: int,
    original_id: int,
    statuses: Sequence[int],
    modes: Sequence[int],
) -> list[Recipient]:
    """The original's people with devices to resend to, each with only those devices."""
    marks_s = in_marks(len(statuses))
    marks_m = in_marks(len(modes))
    sql = (
        "SELECT r.id, r.person_id, r.name, r.student_name, r.preferred_language,"  # noqa: S608
        " t.mode, t.address, t.extension FROM targets t JOIN recipients r ON r.id = t.recipient_id"
        " WHERE t.message_id = ? AND t.is_final = 1 AND t.address <> ''"
        f" AND t.status IN ({marks_s}) AND t.mode IN ({marks_m}) ORDER BY r.id, t.id"
    )
    rows = await db.fetch_all(sql, [original_id, *statuses, *modes])
    wanted: dict[int, dict[tuple[str, str], set[int]]] = {}
    people: dict[int, Any] = {}
    for r in rows:
        rid, mode = int(r["id"]), int(r["mode"])
        people[rid] = r
        address = str(r["address"]) if mode in PHONE_MODES else str(r["address"]).lower()
        wanted.setdefault(rid, {}).setdefault((address, str(r["extension"])), set()).add(mode)
    result: list[Recipient] = []
    for rid, by_device in wanted.items():
        r = people[rid]
        devices: list[Device] = []
        for device in await _current_devices(db, district_id, str(r["person_id"])):
            device_modes = by_device.get(_key(device))
            if not device_modes:
                continue  # reached, or removed from the person since
            phone = device.get("t") == _PHONE
            devices.append(
                Device(
                    device_type=int(device["t"]),  # type: ignore[arg-type]
                    address=str(device["a"]),
                    extension=str(device.get("x") or ""),
                    delivery_modes=sorted(device_modes) if phone else [],  # type: ignore[arg-type]
                    message_types=list(device.get("y") or []),
                )
            )
        if devices:
            result.append(
                Recipient(
                    person_id=str(r["person_id"]),
                    name=str(r["name"]),
                    student_name=str(r["student_name"]),
                    preferred_language=str(r["preferred_language"]),
                    devices=devices,
                )
            )
    return result


async def resend_message(
    db: Database,
    caller: Caller,
    request_id: str,
    original_id: int,
    statuses: Sequence[int],
    modes: Sequence[int],
    now_us: int,
) -> tuple[int, bool, int, int, bool]:
    """(new message id, created, recipients, targets, started now)."""
    if not request_id:
        raise InvalidArgumentError("request_id", "required: it makes a retried resend safe")
    chosen_statuses = check_statuses(statuses) or DEFAULT_STATUSES
    chosen_modes = check_modes(modes)
    original = await accept.load_message(db, caller, original_id, may_see)
    if int(original["status"]) not in _FINISHED:
        raise FailedPreconditionError(
            f"message {original_id} is still sending; resend it once it is finished or canceled"
        )
    full = await db.fetch_one("SELECT delivery_modes FROM messages WHERE id = ?", (original_id,))
    own_modes = modes_of(int(full["delivery_modes"])) if full is not None else []
    for mode in chosen_modes:
        if mode not in own_modes:
            name = DeliveryMode.Name(mode)  # type: ignore[arg-type]
            raise InvalidArgumentError("delivery_modes", f"message {original_id} has no {name}")
    send_modes = list(chosen_modes) or own_modes
    draft = await _draft_of(db, original_id, send_modes)
    message_id, status, created = await accept.create_message(db, caller, request_id, draft, now_us)
    link = await db.fetch_one("SELECT resend_of FROM messages WHERE id = ?", (message_id,))
    linked = link["resend_of"] if link is not None else None
    if linked is None and created is False and status != accept.DRAFT:
        raise InvalidArgumentError("request_id", "already used for another message")
    if linked is not None and int(linked) != original_id:
        raise InvalidArgumentError("request_id", "already used to resend another message")
    if linked is None:
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE messages SET resend_of = ? WHERE id = ? AND resend_of IS NULL",
                (original_id, message_id),
            )
    started = False
    if status == accept.DRAFT:
        district_id = int(original["district_id"])
        people = await _recipients(db, district_id, original_id, chosen_statuses, send_modes)
        for start in range(0, len(people), _BATCH):
            await accept.add_recipients(db, message_id, people[start : start + _BATCH])
        started = await start_dispatch(db, message_id, now_us)
    counts = await db.fetch_one(
        "SELECT m.total_recipients, (SELECT count(*) FROM targets t WHERE t.message_id = m.id"
        " AND t.address <> '') AS targets FROM messages m WHERE m.id = ?",
        (message_id,),
    )
    recipients, targets = (
        (int(counts["total_recipients"]), int(counts["targets"])) if counts is not None else (0, 0)
    )
    return message_id, created, recipients, targets, started
