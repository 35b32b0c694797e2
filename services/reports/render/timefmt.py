"""Fast UTC-microseconds to district wall-clock formatting for millions of report rows.

``datetime.fromtimestamp(..., tz).strftime(...)`` per row costs a few microseconds; a report
with a million rows formats a million times. The UTC offset only changes at a zone's
transitions, so it is looked up once per UTC hour (checked at both ends of the hour, with an
exact per-row lookup in the rare hour that holds a transition) and the date text once per day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HOUR_US = 3_600_000_000
_MAX_CACHED_SECONDS = 200_000  # about 10 MB of texts at most, cleared when full
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def district_zone(name: str) -> tzinfo:
    """The district's IANA zone; UTC when the name is empty or unknown (never fails a report)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone from district_zone, for the report's header."""
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


class LocalTimes:
    """Formats UTC microseconds as "2026-03-09 14:05:33" (plus " CDT" when ``abbreviate``)."""

    __slots__ = ("_abbreviate", "_days", "_hours", "_seconds", "_zone")

    def __init__(self, zone: tzinfo, *, abbreviate: bool) -> None:
        self._zone = zone
        self._abbreviate = abbreviate
        # UTC hour -> (offset in seconds, abbreviation), or None when the hour holds a transition.
        self._hours: dict[int, tuple[int, str] | None] = {}
        self._days: dict[int, str] = {}
        # UTC second -> text: a campaign's rows share seconds (100,000 devices in minutes).
        self._seconds: dict[int, str] = {}

    def _offset_at(self, seconds: int) -> tuple[int, str]:
        local = datetime.fromtimestamp(seconds, self._zone)
        offset = local.utcoffset()
        return (int(offset.total_seconds()) if offset else 0), (local.tzname() or "")

    def _hour(self, hour: int) -> tuple[int, str] | None:
        start = self._offset_at(hour * 3600)
        end = self._offset_at(hour * 3600 + 3599)
        found = start if start == end else None
        self._hours[hour] = found
        return found

    def __call__(self, utc_us: int | None) -> str:
        """The wall-clock text; "" for a row that has no time yet."""
        if utc_us is None:
            return ""
        seconds = utc_us // 1_000_000
        text = self._seconds.get(seconds)
        if text is not None:
            return text
        if len(self._seconds) >= _MAX_CACHED_SECONDS:
            self._seconds.clear()
        text = self._seconds[seconds] = self._format(utc_us, seconds)
        return text

    def _format(self, utc_us: int, seconds: int) -> str:
        hour = utc_us // _HOUR_US
        found = self._hours[hour] if hour in self._hours else self._hour(hour)
        offset, abbreviation = found if found is not None else self._offset_at(seconds)
        day, second_of_day = divmod(seconds + offset, 86400)
        day_text = self._days.get(day)
        if day_text is None:
            day_text = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
            self._days[day] = day_text
        hours, rest = divmod(second_of_day, 3600)
        minutes, secs = divmod(rest, 60)
        if self._abbreviate:
            return f"{day_text} {hours:02d}:{minutes:02d}:{secs:02d} {abbreviation}"
        return f"{day_text} {hours:02d}:{minutes:02d}:{secs:02d}"

    def at(self, moment: datetime) -> str:
        """An aware datetime (a message's sent time, the report's generated time) the same way."""
        return self(int(moment.timestamp()) * 1_000_000)
