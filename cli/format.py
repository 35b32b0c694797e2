"""Readable names and values for people: enum labels, times in the district's zone, durations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from rich import box
from rich.console import Console
from rich.table import Table

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


def when(ts: Timestamp, zone: str = "UTC", *, seconds: bool = True) -> str:
    """A time in ``zone`` (the district's) with the zone's abbreviation, e.g.
    "2026-12-01 06:30:05 CST" (without seconds where a table is narrow)."""
    if not ts.seconds and not ts.nanos:
        return ""
    local = datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, ZoneInfo(zone or "UTC"))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def table(title: str, columns: Iterable[str], *, numeric: bool = False) -> Table:
    """A table that stays readable in an 80-column terminal: no vertical rules, one space
    between columns, a rule under the header, and (with ``fit``/``show``) no header ever
    broken inside a word. ``numeric``: every column but the first holds figures and is
    right-aligned."""
    grid = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        padding=(0, 0),
        show_edge=False,
        title_justify="left",
    )
    for i, name in enumerate(columns):
        grid.add_column(
            name,
            justify="right" if numeric and i > 0 else "left",
            min_width=max(len(word) for word in name.split()),
            overflow="fold",
        )
    return grid


def fit(grid: Table, width: int) -> Table:
    """Set ``grid``'s column widths so it fits ``width`` columns. Shrinking goes in steps,
    the widest column first: headers wrap between words; then cells wrap between words of up
    to 10 characters; last, cells fold inside words, but a header never breaks inside a
    word. (Rich's own squeeze can cut a header inside a word, or crop the last columns.)"""
    columns = grid.columns

    def longest_word(texts: list[str]) -> int:
        return max((len(word) for text in texts for word in text.split()), default=0)

    headers = [longest_word([str(c.header)]) for c in columns]
    texts = [[str(cell) for cell in c.cells] for c in columns]
    soft = [max(h, min(10, longest_word(t))) for h, t in zip(headers, texts, strict=True)]
    natural = [
        max([h, *(len(line) for text in t for line in text.split("\n"))])
        for h, t in zip(headers, texts, strict=True)
    ]
    widths = [max(len(str(c.header)), n) for c, n in zip(columns, natural, strict=True)]
    room = width - grid._extra_width - sum(grid._get_padding_width(i) for i in range(len(columns)))
    for floors in (natural, soft, headers):
        while sum(widths) > room:
            shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
            if not shrinkable:
                break
            widths[max(shrinkable, key=widths.__getitem__)] -= 1
    for column, value in zip(columns, widths, strict=True):
        column.width = value
    return grid


def show(console: Console, grid: Table) -> None:
    """Print a ``table()`` fitted to the console's width."""
    console.print(fit(grid, console.width))


def duration(d: Duration) -> str:
    return format_duration(d)


def enum_value(enum: Any, prefix: str, text: str) -> Any:
    """Parse "voice", "VOICE" or "DELIVERY_MODE_VOICE" into the enum number (ValueError if not)."""
    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    if not key.startswith(prefix):
        key = prefix + key
    return enum.Value(key)
