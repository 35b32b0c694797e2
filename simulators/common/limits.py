"""Idempotency keys and request rate limits: both O(1) per request."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

__all__ = ["IdempotencyStore", "StoredResponse", "TokenBucket", "retry_after_header"]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer first given to an idempotency key, replayed for every retry with that key."""

    fingerprint: object
    status: int
    body: bytes


class IdempotencyStore:
    """Successful answers by (scope, key). Only accepted requests are stored, so a request
    that was refused (429, 500) can be retried with the same key and then take effect.
    The oldest keys are forgotten past ``max_keys`` (a vendor keeps keys for a day or so).
    """

    def __init__(self, max_keys: int = 2_000_000) -> None:
        self._max_keys = max_keys
        self._entries: dict[tuple[str, str], StoredResponse] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, scope: str, key: str) -> StoredResponse | None:
        return self._entries.get((scope, key))

    def put(self, scope: str, key: str, response: StoredResponse) -> None:
        if len(self._entries) >= self._max_keys:
            del self._entries[next(iter(self._entries))]
        self._entries[(scope, key)] = response

    def clear(self) -> None:
        self._entries.clear()


class TokenBucket:
    """``rate`` requests per real second with a burst of one second's worth; rate 0 = no limit.
    Rate limits are real time (they protect the vendor), so the time scale does not apply.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._updated = time.monotonic()

    def take(self) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds from 1 s up (as the real vendors send), a
    decimal below 1 s (only when the simulator runs with a time scale below 1)."""
    if seconds >= 1.0:
        return str(math.ceil(seconds))
    return f"{max(seconds, 0.0):.3f}"
