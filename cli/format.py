"""Readable names and values for people: enum labels, times in the district's zone, durations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.domain import status_label
from smlog.domain.labels import format_duration, message_status_label, mode_label, type_label


def mode(value: int) -> str:
    return mode_label(value)


def modes(values: Iterable[int]) -> str:
    return ", ".join(mode_label(v) for v in values)


def message_type(value: int) -> str:
    return type_label(value)


def message_status(value: int) -> str:
    return message_status_label(value)


def total(size: int, capped: bool) -> str:
    """A list's total_size: "10,000+" when the count stopped at its cap."""
    return f"{size:,}+" if capped else f"{size:,}"


def device_status(value: int) -> str:
    return status_label(value)


def when(ts: Timestamp, zone: str = "UTC") -> str:
    if not ts.seconds and not ts.nanos:
        return ""
    local = datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, ZoneInfo(zone or "UTC"))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(d: Duration) -> str:
    return format_duration(d)


def enum_value(enum: Any, prefix: str, text: str) -> Any:
    """Parse "voice", "VOICE" or "DELIVERY_MODE_VOICE" into the enum number (ValueError if not)."""
    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    if not key.startswith(prefix):
        key = prefix + key
    return enum.Value(key)
