"""Time as the store keeps it (integer microseconds since the Unix epoch, UTC)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp


def now_us() -> int:
    return time.time_ns() // 1000


def to_timestamp(us: int | None) -> Timestamp | None:
    if us is None:
        return None
    ts = Timestamp()
    ts.FromMicroseconds(us)
    return ts


def to_duration(us: int) -> Duration:
    d = Duration()
    d.FromMicroseconds(max(us, 0))
    return d


def from_timestamp(ts: Timestamp) -> int:
    return int(ts.ToMicroseconds())


def to_datetime(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)
