"""Message Detail: every field of the seed's detail screen, as ``log_pb2.MessageDetail``.

Counters come from what dispatch maintains (``messages`` counters and ``message_mode_stats``),
never from scanning targets or attempts, so an in-progress message shows live figures at the
cost of three indexed lookups.

Durations (UTC microseconds, clamped at zero):
- total_message_duration = (end_time or now) - sent_time; complete = end_time is set;
- per mode, first_attempt_duration = (first_attempt_end_time or now) - sent_time while
  first_attempt_pending > 0; a mode with no eligible first device (nothing pending, no end
  time, or no stats row yet) is complete with duration 0.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from google.protobuf import json_format

from smlog.clock import now_us, to_duration, to_timestamp
from smlog.domain.modes import modes_of
from smlog.readmodel.access import Viewer, load_visible_message
from smlog.readmodel.districts import district_of, load_district_row
from smlog.readmodel.listing import calendars_of
from smlog.readmodel.replies import load_reply
from smlog.readmodel.resends import resend_links
from smlog.store import ReadOnly, Row
from smlog.v1.common_pb2 import (
    MessageContent,
    ModeDelivery,
    ToolSpecificCriteria,
    User,
)
from smlog.v1.log_pb2 import (
    DeliveryInformation,
    GeneralFilterCriteriaDetail,
    MessageDetail,
    MessageDetails,
)


def _json(text: Any, default: Any) -> Any:
    try:
        value = json.loads(str(text))
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _content(text: Any) -> MessageContent:
    content = MessageContent()
    try:
        json_format.Parse(str(text), content, ignore_unknown_fields=True)
    except json_format.ParseError:
        return MessageContent()
    return content


def mode_delivery(mode: int, stats: Row | None, sent_us: int, now: int) -> ModeDelivery:
    """One mode's Delivery Information from its stats row (zeros when there is none yet)."""
    if stats is None:
        return ModeDelivery(
            delivery_mode=mode,  # type: ignore[arg-type]
            first_attempt_duration=to_duration(0),
            first_attempt_complete=True,
        )
    devices = int(stats["total_devices"])
    done = int(stats["total_successful"]) + int(stats["total_error"])
    done += int(stats["total_canceled"])
    first_end = stats["first_attempt_end_time"]
    if first_end is not None:
        first_us, first_done = int(first_end) - sent_us, True
    elif int(stats["first_attempt_pending"]) > 0:
        first_us, first_done = now - sent_us, False
    else:
        first_us, first_done = 0, True
    return ModeDelivery(
        delivery_mode=mode,  # type: ignore[arg-type]
        total_devices=devices,
        total_attempts=int(stats["total_attempts"]),
        total_successful=int(stats["total_successful"]),
        total_error=int(stats["total_error"]),
        total_canceled=int(stats["total_canceled"]),
        total_pending=max(devices - done, 0),
        first_attempt_duration=to_duration(first_us),
        first_attempt_complete=first_done,
    )


async def build_detail(db: ReadOnly, m: Row, *, now: int | None = None) -> MessageDetail:
    """The detail of a message row already checked with ``load_visible_message``."""
    message_id = int(m["id"])
    district_row, calendars, stats_rows, reply = await asyncio.gather(
        load_district_row(db, int(m["district_id"])),
        calendars_of(db, [message_id]),
        db.fetch_all(
            "SELECT mode, total_devices, total_attempts, total_successful, total_error,"
            " total_canceled, first_attempt_pending, first_attempt_end_time"
            " FROM message_mode_stats WHERE message_id = ?",
            (message_id,),
        ),
        load_reply(db, message_id, int(m["message_type"])),
    )
    now = now_us() if now is None else now
    sent_us = int(m["sent_time"])
    end_us = None if m["end_time"] is None else int(m["end_time"])
    stats = {int(r["mode"]): r for r in stats_rows}
    modes = modes_of(int(m["delivery_modes"]))
    other = _json(m["tool_criteria_json"], {})
    return MessageDetail(
        message_id=message_id,
        status=int(m["status"]),  # type: ignore[arg-type]
        general_criteria=GeneralFilterCriteriaDetail(
            district=district_of(district_row, int(m["district_id"])),
            calendars=calendars[message_id],
            message_type=int(m["message_type"]),  # type: ignore[arg-type]
            delivery_modes=modes,  # type: ignore[arg-type]
            recipient_groups=[str(g) for g in _json(m["recipient_groups_json"], [])],
            total_recipient_count=int(m["total_recipients"]),
            recipients_with_no_device=int(m["recipients_no_device"]),
            preferred_language=str(m["preferred_language"]),
        ),
        tool_criteria=ToolSpecificCriteria(
            school_year=str(m["school_year"]),
            active_students_only=bool(m["active_students_only"]),
            other={str(k): str(v) for k, v in other.items()},
        ),
        delivery_information=DeliveryInformation(
            total_message_duration=to_duration((now if end_us is None else end_us) - sent_us),
            complete=end_us is not None,
            # A reply to the short code is not a delivery: no counters (see sms_reply).
            modes=[]
            if reply is not None
            else [mode_delivery(mode, stats.get(mode), sent_us, now) for mode in modes],
        ),
        message_details=MessageDetails(
            sender=User(
                user_id=str(m["created_by_user_id"]), display_name=str(m["created_by_name"])
            ),
            sent_time=to_timestamp(sent_us),
            dispatch_end_time=to_timestamp(end_us),
            subject=str(m["subject"]),
            content=_content(m["content_json"]),
            has_attachment=bool(m["has_attachment"]),
            attachment_name=str(m["attachment_name"]),
        ),
        sms_reply=reply,
    )


async def message_detail(
    db: ReadOnly, viewer: Viewer, message_id: int, *, now: int | None = None
) -> MessageDetail:
    """The Message Detail of a message the viewer may see; NOT_FOUND otherwise."""
    row = await load_visible_message(db, viewer, message_id)
    detail = await build_detail(db, row, now=now)
    detail.resend_of, resent_as = await resend_links(db, viewer, message_id)
    detail.resent_as.extend(resent_as)
    return detail
