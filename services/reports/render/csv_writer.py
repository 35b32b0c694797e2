"""CSV: a summary block, one empty line, then the Recipient Details table (docs/reports.md).

UTF-8 with a byte order mark, so Excel on Windows opens names like "Nguyễn" correctly
(Python reads it with ``encoding="utf-8-sig"``); every field quoted (RFC 4180) and CRLF line
ends. Text that a spreadsheet would run as a formula is defused (see ``guard``).
Every summary line has two or three cells (label, value, explanation) and none is empty, so
the first empty line always separates the summary from the table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.cells import RowCells
from smlog.services.reports.render.content import (
    RECIPIENT_COLUMNS,
    TITLE,
    ZERO_NOTE,
    build_content,
)
from smlog.services.reports.render.context import ReportContext
from smlog.services.reports.render.timefmt import LocalTimes, district_zone

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (the
# full-width forms too: some spreadsheets fold them to ASCII); names, subjects and vendor
# details come from outside, so such cells get a leading apostrophe (OWASP CSV injection).
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def guard(text: str) -> str:
    """The text, prefixed with "'" when a spreadsheet would run it as a formula: its first
    character, or its first after leading whitespace (`` =1+2`` runs too), starts one."""
    starts = _FORMULA_STARTS
    if text[:1] in starts or text.lstrip()[:1] in starts:
        return "'" + text
    return text


class CsvWriter:
    """Writes the whole CSV; each method returns the UTF-8 bytes it produced."""

    def __init__(self, ctx: ReportContext) -> None:
        self._ctx = ctx
        self._buffer = io.StringIO()
        # Every field quoted: a reader whose list separator is ";" (most of Europe) would
        # otherwise split ``Bob;=cmd|...`` into a second cell that starts a formula.
        self._csv = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
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
        for row in rows:
            put([guard(value) for value in cells(row)])
        return self._take()

    def finish(self) -> bytes:
        return b""
