"""CSV: a summary block, one empty line, then the Recipient Details table (docs/reports.md).

UTF-8 with a byte order mark, so Excel on Windows opens names like "Nguyễn" correctly
(Python reads it with ``encoding="utf-8-sig"``); RFC 4180 quoting and CRLF line ends.
Every summary line has two or three cells (label, value, explanation) and none is empty, so
the first empty line always separates the summary from the table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from services.reports.render.cells import RowCells
from services.reports.render.content import (
    RECIPIENT_COLUMNS,
    TITLE,
    ZERO_NOTE,
    build_content,
)
from services.reports.render.context import ReportContext
from services.reports.render.timefmt import LocalTimes, district_zone
from smlog.readmodel import DeliveryRow

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets; vendor
# details and names come from outside, so such cells get a leading apostrophe (OWASP).
_FORMULA_STARTS = frozenset("=+-@\t\r")
_GUARDED = (0, 1, 3, 6)  # recipient, student, device, vendor detail


def guard(text: str) -> str:
    """The text, prefixed with "'" when a spreadsheet would run it as a formula."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


class CsvWriter:
    """Writes the whole CSV; each method returns the UTF-8 bytes it produced."""

    def __init__(self, ctx: ReportContext) -> None:
        self._ctx = ctx
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")
        zone = district_zone(ctx.detail.general_criteria.district.time_zone)
        self._cells = RowCells(LocalTimes(zone, abbreviate=False))

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")

    def begin(self) -> bytes:
        content = build_content(self._ctx, grouped=False)
        put = self._csv.writerow
        self._buffer.write(BOM)
        put([TITLE])
        for field in content.header:
            put([field.label, guard(field.value)])
        put(["Report Generated", f"{content.generated}"])
        put(["Delivery Summary"])
        for mode in content.summary:
            for figure in mode.figures:
                put([figure.label, figure.value])
        put(["Message Duration"])
        for line in content.durations:
            put([line.label, line.value, line.explanation])
        put(["Note", ZERO_NOTE])
        put([])
        put(RECIPIENT_COLUMNS)
        return self._take()

    def write(self, rows: Sequence[DeliveryRow]) -> bytes:
        cells = self._cells
        put = self._csv.writerow
        starts = _FORMULA_STARTS
        for row in rows:
            values = cells(row)
            for i in _GUARDED:
                if values[i][:1] in starts:
                    values[i] = "'" + values[i]
            put(values)
        return self._take()

    def finish(self) -> bytes:
        return b""
