"""Vendor status codes to canonical statuses, one table per vendor, as data.

The tables are documented in ``docs/status.md``. A code missing from its table maps to the
fallback: the event is kept as history, the attempt's status is unchanged (it stays pending
until a known final code or dispatch's status deadline), and
``smlog_status_unknown_vendor_code_total{vendor}`` counts it. Nothing here raises on vendor
input.
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.v1.common_pb2 import DeviceStatus

__all__ = [
    "CALL_CONFIRM_DIGIT",
    "MAILGUN_DETAIL_RANKS",
    "VOXOLOGY_CALL_STATUSES",
    "VOXOLOGY_SMS_STATUSES",
    "Mapped",
    "mailgun_detail",
    "mailgun_detail_rank",
    "map_mailgun",
    "map_voxology_call",
    "map_voxology_sms",
]

_S = DeviceStatus

# Voxology call status -> canonical status. "completed" is split by the pressed digits.
VOXOLOGY_CALL_STATUSES: dict[str, int] = {
    "queued": _S.DEVICE_STATUS_IN_PROGRESS,
    "initiated": _S.DEVICE_STATUS_IN_PROGRESS,
    "ringing": _S.DEVICE_STATUS_IN_PROGRESS,
    "answered": _S.DEVICE_STATUS_IN_PROGRESS,
    "completed": _S.DEVICE_STATUS_COMPLETED,
    "busy": _S.DEVICE_STATUS_BUSY,
    "no-answer": _S.DEVICE_STATUS_NO_ANSWER,
    "failed": _S.DEVICE_STATUS_FAILED,
}
# A completed call is Completed when the callee pressed this digit, else Not Confirmed.
CALL_CONFIRM_DIGIT = "0"

# Voxology SMS status -> canonical status. Sent is provisional for text (smlog.domain).
VOXOLOGY_SMS_STATUSES: dict[str, int] = {
    "queued": _S.DEVICE_STATUS_IN_PROGRESS,
    "sending": _S.DEVICE_STATUS_IN_PROGRESS,
    "sent": _S.DEVICE_STATUS_SENT,
    "delivered": _S.DEVICE_STATUS_DELIVERED,
    "undelivered": _S.DEVICE_STATUS_UNDELIVERED,
    "failed": _S.DEVICE_STATUS_FAILED,
}

# Mailgun events never change an email attempt's status (it is Sent once Mailgun accepted
# the message; dispatch sets that). They are history, and all but "accepted" may become the
# attempt's vendor detail: the highest rank seen wins, so arrival order does not matter.
MAILGUN_DETAIL_RANKS: dict[str, int | None] = {
    "accepted": None,
    "failed/temporary": 1,
    "delivered": 2,
    "opened": 3,
    "clicked": 4,
    "complained": 5,
    "failed/permanent": 6,
}


@dataclass(frozen=True, slots=True)
class Mapped:
    """A vendor code's canonical meaning: ``status`` None keeps the event as history only."""

    status: int | None
    known: bool
    detail: str = ""
    detail_rank: int | None = None


def map_voxology_call(code: str, digits: str = "", duration_s: int | None = None) -> Mapped:
    status = VOXOLOGY_CALL_STATUSES.get(code)
    parts = []
    if digits:
        parts.append(f"digits pressed: {digits}")
    if duration_s is not None:
        parts.append(f"duration: {duration_s} s")
    detail = "; ".join(parts)
    if status is None:
        return Mapped(None, known=False, detail=detail)
    if status == _S.DEVICE_STATUS_COMPLETED and CALL_CONFIRM_DIGIT not in digits:
        status = _S.DEVICE_STATUS_NOT_CONFIRMED
    return Mapped(status, known=True, detail=detail)


def map_voxology_sms(code: str, error_code: str = "", error_message: str = "") -> Mapped:
    detail = ": ".join(p for p in (error_code, error_message) if p)
    status = VOXOLOGY_SMS_STATUSES.get(code)
    return Mapped(status, known=status is not None, detail=detail)


def mailgun_detail(event: str, severity: str = "", reason: str = "") -> str:
    """The vendor detail a Mailgun event leaves: its name, with severity and reason for a
    failure, e.g. "failed (permanent): mailbox does not exist"."""
    if event != "failed":
        return event  # delivered, opened, ...: the event says it all ("OK" adds nothing)
    head = f"{event} ({severity})" if severity else event
    return f"{head}: {reason}" if reason else head


def _mailgun_rank_key(event: str, severity: str) -> str:
    if event == "failed":
        return "failed/permanent" if severity == "permanent" else "failed/temporary"
    return event


def map_mailgun(event: str, severity: str = "", reason: str = "") -> Mapped:
    key = _mailgun_rank_key(event, severity)
    known = key in MAILGUN_DETAIL_RANKS
    return Mapped(
        None,
        known=known,
        detail=mailgun_detail(event, severity, reason),
        detail_rank=MAILGUN_DETAIL_RANKS.get(key),
    )


def mailgun_detail_rank(vendor_code: str, vendor_detail: str) -> int:
    """The rank of the detail an attempt holds now (0 for anything not from Mailgun)."""
    severity = "permanent" if vendor_detail.startswith("failed (permanent)") else ""
    rank = MAILGUN_DETAIL_RANKS.get(_mailgun_rank_key(vendor_code, severity))
    return rank or 0
