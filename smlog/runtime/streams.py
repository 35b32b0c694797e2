"""Bounds on long server streams: how many one caller, and the whole process, may hold open.

A stream holds a slot from its first message to its end; a caller over its share, or a
process at its total, gets RESOURCE_EXHAUSTED at once instead of another open stream
(docs/security.md). Slots are counted per process: each replica bounds itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from smlog.auth import Caller
from smlog.errors import ResourceExhaustedError

__all__ = ["StreamLimiter", "caller_key"]


def caller_key(caller: Caller) -> str:
    """Whose share a stream counts against: a service, or a user of a district."""
    if caller.is_service:
        return f"service:{caller.service}"
    return f"user:{caller.district_id}:{caller.user_id}"


class StreamLimiter:
    def __init__(self, what: str, per_caller: int, per_process: int) -> None:
        self._what = what
        self._per_caller = per_caller
        self._per_process = per_process
        self._open: dict[str, int] = {}
        self.total = 0

    @contextmanager
    def slot(self, caller: Caller) -> Iterator[None]:
        key = caller_key(caller)
        held = self._open.get(key, 0)
        if self.total >= self._per_process:
            raise ResourceExhaustedError(
                f"this server has {self.total} open {self._what} streams, its limit; retry later"
            )
        if held >= self._per_caller:
            raise ResourceExhaustedError(
                f"you have {held} open {self._what} streams, the limit per caller; close one first"
            )
        self._open[key] = held + 1
        self.total += 1
        try:
            yield
        finally:
            self.total -= 1
            left = self._open[key] - 1
            if left:
                self._open[key] = left
            else:
                del self._open[key]
