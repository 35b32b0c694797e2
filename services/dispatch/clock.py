"""The clock dispatch reads: due times, dialing windows and deadlines. Tests inject their own."""

from __future__ import annotations

from typing import Protocol

from smlog import clock as system

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    def now_us(self) -> int:
        """Microseconds since the Unix epoch (UTC)."""
        ...


class SystemClock:
    def now_us(self) -> int:
        return system.now_us()
