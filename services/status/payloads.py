"""Webhook bodies to normalized events: field checks with a reason a person can act on.

Every function raises ``PayloadError`` for a body that cannot be used; its ``reason`` is a
bounded metric label and its message never echoes contact data or bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smlog.services.status.events import KEY_MAILGUN, KEY_VOXOLOGY, StatusEvent
from smlog.services.status.mapping import map_mailgun, map_voxology_call, map_voxology_sms
from smlog.v1.common_pb2 import DeliveryMode

__all__ = [
    "SOURCE_MODES",
    "InboundText",
    "ParsedEvent",
    "PayloadError",
    "inbound_text",
    "load_object",
    "mailgun_event",
    "parse_attempt_id",
    "voxology_call_event",
    "voxology_sms_event",
]

MAX_ID_LEN = 128
MAX_CODE_LEN = 64
MAX_DETAIL_LEN = 512
MAX_ATTEMPT_ID = 2**63 - 1

SOURCE_VOXOLOGY_CALL = "voxology-call"
SOURCE_VOXOLOGY_SMS = "voxology-sms"
SOURCE_MAILGUN = "mailgun"
# The delivery mode each webhook source serves: an event naming an attempt of another mode
# is refused when applied.
SOURCE_MODES: dict[str, int] = {
    SOURCE_VOXOLOGY_CALL: DeliveryMode.DELIVERY_MODE_VOICE,
    SOURCE_VOXOLOGY_SMS: DeliveryMode.DELIVERY_MODE_TEXT,
    SOURCE_MAILGUN: DeliveryMode.DELIVERY_MODE_EMAIL,
}


class PayloadError(ValueError):
    """An unusable webhook body. ``reason``: malformed_body, missing_field, invalid_field."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    event: StatusEvent
    known_code: bool


@dataclass(frozen=True, slots=True)
class InboundText:
    event_id: str
    sender: str
    short_code: str
    body: str
    event_time: int


def load_object(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``; nesting deep enough to exhaust the decoder's recursion
    (``[[[[...`` before any signature is checked, for Mailgun) is a malformed body too."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("malformed_body", "body is not valid JSON") from None
    except RecursionError:
        raise PayloadError("malformed_body", "body nests too deeply") from None
    if not isinstance(doc, dict):
        raise PayloadError("malformed_body", "body must be a JSON object")
    return doc


def parse_attempt_id(raw: object, where: str) -> int:
    if raw is None or raw == "":
        raise PayloadError("missing_field", f"{where} is required")
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ATTEMPT_ID:
        raise PayloadError("invalid_field", f"{where} must be a positive integer")
    return int(text)


def _text(doc: dict[str, Any], name: str, *, max_len: int = MAX_ID_LEN) -> str:
    value = doc.get(name)
    if value is None or value == "":
        raise PayloadError("missing_field", f"field '{name}' is required")
    if not isinstance(value, str):
        raise PayloadError("invalid_field", f"field '{name}' must be a string")
    if len(value) > max_len:
        raise PayloadError("invalid_field", f"field '{name}' is longer than {max_len} characters")
    return value


def _optional_text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise PayloadError("invalid_field", f"field '{name}' must be a string")
    return value[:MAX_DETAIL_LEN]


def _rfc3339(doc: dict[str, Any], name: str) -> int:
    raw = _text(doc, name, max_len=64)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise PayloadError("invalid_field", f"field '{name}' must be an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _event(
    doc: dict[str, Any], attempt_id: int, source: str, mapped_status: int | None, detail: str
) -> StatusEvent:
    return StatusEvent(
        event_key=KEY_VOXOLOGY + _text(doc, "event_id"),
        attempt_id=attempt_id,
        status=mapped_status,
        event_time=_rfc3339(doc, "timestamp"),
        vendor_code=_text(doc, "status", max_len=MAX_CODE_LEN),
        vendor_detail=detail[:MAX_DETAIL_LEN],
        source=source,
        mode=SOURCE_MODES[source],
    )


def voxology_call_event(doc: dict[str, Any], attempt_id: int) -> ParsedEvent:
    _text(doc, "call_id")
    duration = doc.get("duration_s")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)):
        raise PayloadError("invalid_field", "field 'duration_s' must be an integer")
    mapped = map_voxology_call(
        _text(doc, "status", max_len=MAX_CODE_LEN), _optional_text(doc, "digits"), duration
    )
    event = _event(doc, attempt_id, SOURCE_VOXOLOGY_CALL, mapped.status, mapped.detail)
    return ParsedEvent(event, mapped.known)


def voxology_sms_event(doc: dict[str, Any], attempt_id: int) -> ParsedEvent:
    _text(doc, "message_id")
    mapped = map_voxology_sms(
        _text(doc, "status", max_len=MAX_CODE_LEN),
        _optional_text(doc, "error_code"),
        _optional_text(doc, "error_message"),
    )
    event = _event(doc, attempt_id, SOURCE_VOXOLOGY_SMS, mapped.status, mapped.detail)
    return ParsedEvent(event, mapped.known)


def inbound_text(doc: dict[str, Any]) -> InboundText:
    body = doc.get("body")
    if body is None:
        raise PayloadError("missing_field", "field 'body' is required")
    if not isinstance(body, str):
        raise PayloadError("invalid_field", "field 'body' must be a string")
    return InboundText(
        event_id=_text(doc, "event_id"),
        sender=_text(doc, "from", max_len=32),
        short_code=_text(doc, "to", max_len=32),
        body=body[:MAX_DETAIL_LEN],
        event_time=_rfc3339(doc, "timestamp"),
    )


def _mailgun_time(data: dict[str, Any]) -> int:
    raw = data.get("timestamp")
    if raw is None:
        raise PayloadError("missing_field", "field 'event-data.timestamp' is required")
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not 0 < raw < 1e11:
        raise PayloadError("invalid_field", "field 'event-data.timestamp' must be unix seconds")
    return int(raw * 1_000_000)


def mailgun_event(doc: dict[str, Any]) -> ParsedEvent:
    data = doc.get("event-data")
    if not isinstance(data, dict):
        raise PayloadError("missing_field", "field 'event-data' is required")
    variables = data.get("user-variables")
    raw_attempt = variables.get("attempt_id") if isinstance(variables, dict) else None
    attempt_id = parse_attempt_id(raw_attempt, "event-data.user-variables.attempt_id")
    code = _text(data, "event", max_len=MAX_CODE_LEN)
    status = data.get("delivery-status")
    status = status if isinstance(status, dict) else {}
    reason = (
        _optional_text(status, "description")
        or _optional_text(status, "message")
        or _optional_text(data, "reason")
    )
    mapped = map_mailgun(code, _optional_text(data, "severity"), reason)
    event = StatusEvent(
        event_key=KEY_MAILGUN + _text(data, "id"),
        attempt_id=attempt_id,
        status=None,
        event_time=_mailgun_time(data),
        vendor_code=code,
        vendor_detail=mapped.detail[:MAX_DETAIL_LEN],
        source=SOURCE_MAILGUN,
        detail_rank=mapped.detail_rank,
        mode=SOURCE_MODES[SOURCE_MAILGUN],
    )
    return ParsedEvent(event, mapped.known)
