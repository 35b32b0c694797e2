"""Vendor-style identifiers and timestamps, cheap enough for thousands per second."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime

__all__ = ["new_id", "rfc3339", "rfc3339_now"]

# A random per-process prefix plus a counter: unique across restarts, no RNG call per id.
_PREFIX = secrets.token_hex(8)
_COUNTER = itertools.count(1)


def new_id(kind: str) -> str:
    """``kind`` followed by 32 hex digits, like a Twilio SID (``CA...``, ``SM...``, ``EV...``)."""
    return f"{kind}{_PREFIX}{next(_COUNTER):016x}"


def rfc3339(unix_s: float) -> str:
    """``2026-01-05T17:02:03.123Z`` for a unix time."""
    moment = datetime.fromtimestamp(unix_s, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc3339_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
