"""Normalized status events: what every source (webhooks, gRPC ingestion) is turned into
before the state machine sees it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Disposition", "StatusEvent", "event_id_of"]

# Event keys are namespaced per source so that two vendors' ids can never collide.
KEY_VOXOLOGY = "voxology:"
KEY_MAILGUN = "mailgun:"
KEY_INGEST = "ingest:"


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One event for one attempt.

    ``status`` is a canonical ``smlog.v1.DeviceStatus``, or None for an event kept as history
    only (Mailgun's events, unknown vendor codes). ``detail_rank`` orders history-only events
    that may replace the attempt's vendor detail (higher wins; None: never replaces it).
    """

    event_key: str
    attempt_id: int
    status: int | None
    event_time: int  # microseconds since the epoch
    vendor_code: str
    vendor_detail: str
    source: str
    detail_rank: int | None = None
    mode: int | None = None  # the delivery mode its attempt must have (None: any)


class Disposition(IntEnum):
    """What became of one event."""

    APPLIED = 1  # moved the status forward, or kept as history by design
    STALE = 2  # kept as history, but would not move the status forward (late, out of order)
    DUPLICATE = 3  # its key was seen before: nothing changed
    PARKED = 4  # its attempt is not stored yet: kept and applied when it appears
    REJECTED = 5  # its attempt has another delivery mode than its source serves


def event_id_of(event_key: str) -> str:
    """The caller's event id: the key without its source namespace."""
    return event_key.split(":", 1)[1] if ":" in event_key else event_key
