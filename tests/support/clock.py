"""A clock a test moves by hand (the dispatch ``Clock`` protocol)."""

from __future__ import annotations

import time

__all__ = ["ManualClock"]


class ManualClock:
    def __init__(self, now_us: int | None = None) -> None:
        self.value = now_us if now_us is not None else time.time_ns() // 1000

    def now_us(self) -> int:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += int(seconds * 1_000_000)
