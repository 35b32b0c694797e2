"""The district's dialing window: non-emergency voice and text only inside it, local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DialingWindow"]


@dataclass(frozen=True)
class DialingWindow:
    zone: ZoneInfo
    start_minute: int
    end_minute: int

    def next_opening(self, now_us: int) -> int | None:
        """None inside the window, else when it next opens (microseconds since the epoch)."""
        local = datetime.fromtimestamp(now_us / 1_000_000, tz=self.zone)
        minute = local.hour * 60 + local.minute
        if self.start_minute <= minute < self.end_minute:
            return None
        day = local.date() if minute < self.start_minute else local.date() + timedelta(days=1)
        hour, rest = divmod(self.start_minute, 60)
        opening = datetime.combine(day, time(hour, rest), tzinfo=self.zone)
        return int(opening.timestamp() * 1_000_000)
