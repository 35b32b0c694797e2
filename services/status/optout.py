"""Inbound texts to the district short code: STOP and START change the number's opt-out
state and appear in the log as a Text Opt Out / Text Opt In entry; HELP is answered.

Keywords are matched on the whole body, trimmed and upper-cased. A log entry is a message of
type TEXT_OPT_OUT / TEXT_OPT_IN (status Sent) with its ``sms_replies`` row: the number, the
keyword, the person the number belongs to, the short code and the time. It is a reply, not a
delivery: no recipient row, no device target, no Delivery Information counters. It is written
in the transaction that applies the inbound text; its request id derives from the vendor's
event id, so applying it twice creates one entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

from smlog.domain.modes import mode_bits
from smlog.readmodel.masking import format_phone
from smlog.services.status.payloads import InboundText
from smlog.store import Transaction
from smlog.v1.common_pb2 import DeliveryMode, MessageStatus, MessageType

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "HelpReply",
    "Keyword",
    "classify",
    "find_district",
    "record_inbound",
]

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP"})

REPLY_USER_ID = "sms-reply"
REPLY_USER_NAME = "Recipient reply"
UNKNOWN_RECIPIENT = "Unknown recipient"
_TEXT = DeliveryMode.DELIVERY_MODE_TEXT


class Keyword(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    OTHER = "other"


def classify(body: str) -> tuple[Keyword, str]:
    """The keyword family of an inbound body, and the normalized keyword."""
    word = body.strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return Keyword.OPT_OUT, word
    if word in OPT_IN_KEYWORDS:
        return Keyword.OPT_IN, word
    if word in HELP_KEYWORDS:
        return Keyword.HELP, word
    return Keyword.OTHER, word


@dataclass(frozen=True, slots=True)
class HelpReply:
    event_id: str
    to: str
    short_code: str
    district_name: str


async def find_district(
    tx: Transaction, short_code: str, sender: str = "", default_sender: str = ""
) -> tuple[int, str] | None:
    """The district an inbound text to ``short_code`` from ``sender`` belongs to.

    A district's own short code names it (one district per code, migration 0050). Districts
    without one text from the shared ``default_sender`` number; a reply to that number
    belongs to the district that last texted ``sender`` from it. None: no district sends from
    that number to that sender, so the reply cannot be routed."""
    row = await tx.fetch_one(
        "SELECT id, name FROM districts WHERE sms_short_code = ? AND sms_short_code <> ''",
        (short_code,),
    )
    if row is None and default_sender and short_code == default_sender and sender:
        row = await tx.fetch_one(
            "SELECT d.id, d.name FROM targets t JOIN messages m ON m.id = t.message_id"
            " JOIN districts d ON d.id = m.district_id"
            " WHERE t.address = ? AND t.mode = ? AND d.sms_short_code = ''"
            " AND m.created_by_user_id <> ? ORDER BY t.id DESC LIMIT 1",
            (sender, _TEXT, REPLY_USER_ID),
        )
    return None if row is None else (int(row[0]), str(row[1]))


async def record_inbound(
    tx: Transaction, text: InboundText, now: int, default_sender: str = ""
) -> tuple[Keyword, HelpReply | None] | None:
    """Apply one inbound text. None: it cannot be routed to a district (see find_district).

    A STOP to the shared default number is kept under that number, and the opt-out rule of
    districts without a short code counts a STOP to any number (services/dispatch/optouts.py),
    so it stops every such district's texts to the sender."""
    district = await find_district(tx, text.short_code, text.sender, default_sender)
    if district is None:
        return None
    keyword, word = classify(text.body)
    if keyword is Keyword.HELP:
        return keyword, HelpReply(text.event_id, text.sender, text.short_code, district[1])
    if keyword is Keyword.OTHER:
        return keyword, None
    opted_out = keyword is Keyword.OPT_OUT
    await tx.execute(
        "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (phone, short_code) DO UPDATE SET opted_out = excluded.opted_out,"
        " update_time = excluded.update_time"
        " WHERE excluded.update_time >= sms_opt_outs.update_time",
        (text.sender, text.short_code, int(opted_out), text.event_time),
    )
    await _log_entry(tx, district[0], text, word, opted_out, now)
    return keyword, None


async def _recipient_name(tx: Transaction, district_id: int, phone: str) -> str:
    row = await tx.fetch_one(
        "SELECT r.name FROM targets t JOIN recipients r ON r.id = t.recipient_id"
        " JOIN messages m ON m.id = t.message_id"
        " WHERE t.address = ? AND t.mode = ? AND m.district_id = ?"
        " AND m.created_by_user_id <> ? ORDER BY t.id DESC LIMIT 1",
        (phone, _TEXT, district_id, REPLY_USER_ID),
    )
    return str(row[0]) if row is not None and row[0] else UNKNOWN_RECIPIENT


async def _log_entry(
    tx: Transaction, district_id: int, text: InboundText, word: str, opted_out: bool, now: int
) -> None:
    request_id = f"sms-reply:{text.event_id}"
    exists = await tx.fetch_one(
        "SELECT 1 FROM messages WHERE district_id = ? AND created_by_user_id = ?"
        " AND request_id = ?",
        (district_id, REPLY_USER_ID, request_id),
    )
    if exists is not None:
        return
    label = "Text Opt Out" if opted_out else "Text Opt In"
    # The log's row shows the keyword and the number, masked (never the full number).
    subject = f"{label}: {word} from {format_phone(text.sender, full=False)}"
    message_type = (
        MessageType.MESSAGE_TYPE_TEXT_OPT_OUT if opted_out else MessageType.MESSAGE_TYPE_TEXT_OPT_IN
    )
    message_id = await tx.insert(
        "INSERT INTO messages (district_id, request_id, created_by_user_id, created_by_name,"
        " message_type, subject, subject_folded, delivery_modes, content_json, status,"
        " create_time, sent_time, end_time, total_recipients, recipients_no_device,"
        " pending_targets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
        (
            district_id,
            request_id,
            REPLY_USER_ID,
            REPLY_USER_NAME,
            message_type,
            subject,
            subject.lower(),
            mode_bits([_TEXT]),
            json.dumps({"text_body": word}),
            MessageStatus.MESSAGE_STATUS_SENT,
            now,
            text.event_time,
            text.event_time,
        ),
    )
    name = await _recipient_name(tx, district_id, text.sender)
    await tx.execute(
        "INSERT INTO sms_replies (message_id, phone, keyword, recipient_name, short_code,"
        " receive_time) VALUES (?, ?, ?, ?, ?, ?)",
        (message_id, text.sender, word, name, text.short_code, text.event_time),
    )
