"""Readable names and values for people: enum labels, times in the district's zone, durations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.domain import status_label
from smlog.v1 import common_pb2

MODE_NAMES = {"INBOX": "Inbox", "EMAIL": "Email", "VOICE": "Voice", "TEXT": "Text"}
TYPE_NAMES = {
    "GENERAL": "Messenger 2.0 - General",
    "PRIORITY": "Messenger 2.0 - Priority",
    "EMERGENCY": "Messenger 2.0 - Emergency",
    "TEXT_OPT_IN": "Text Opt In",
    "TEXT_OPT_OUT": "Text Opt Out",
}


def _short(enum_name: str, prefix: str) -> str:
    return enum_name.removeprefix(prefix)


def mode(value: common_pb2.DeliveryMode.ValueType) -> str:
    name = _short(common_pb2.DeliveryMode.Name(value), "DELIVERY_MODE_")
    return MODE_NAMES.get(name, name.title())


def modes(values: Iterable[common_pb2.DeliveryMode.ValueType]) -> str:
    return ", ".join(mode(v) for v in values)


def message_type(value: common_pb2.MessageType.ValueType) -> str:
    name = _short(common_pb2.MessageType.Name(value), "MESSAGE_TYPE_")
    return TYPE_NAMES.get(name, name.title())


def message_status(value: common_pb2.MessageStatus.ValueType) -> str:
    return _short(common_pb2.MessageStatus.Name(value), "MESSAGE_STATUS_").replace("_", " ").title()


def device_status(value: int) -> str:
    return status_label(value)


def when(ts: Timestamp, zone: str = "UTC") -> str:
    if not ts.seconds and not ts.nanos:
        return ""
    local = datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, ZoneInfo(zone or "UTC"))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(d: Duration) -> str:
    total = d.seconds + d.nanos / 1e9
    if total < 1:
        return "0 s"
    hours, rest = divmod(int(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {seconds:02d} s"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


def enum_value(enum: Any, prefix: str, text: str) -> Any:
    """Parse "voice", "VOICE" or "DELIVERY_MODE_VOICE" into the enum number (ValueError if not)."""
    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    if not key.startswith(prefix):
        key = prefix + key
    return enum.Value(key)
