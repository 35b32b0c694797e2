"""DOCX: the template rendered by docxtpl, the Recipient Details rows written as XML.

The zip is written to a write-only sink, so each batch's compressed bytes go out as soon as
zlib emits them; document.xml is the last entry and is streamed into the archive.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import UTC

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.cells import RowCells
from smlog.services.reports.render.content import RECIPIENT_COLUMNS, build_content
from smlog.services.reports.render.context import ReportContext
from smlog.services.reports.render.docx_template import DOCUMENT_PART, render_template
from smlog.services.reports.render.timefmt import LocalTimes, district_zone

# Rough XML bytes per row: above ~1.5 GB of document.xml the entry needs Zip64.
_ROW_BYTES_ESTIMATE = 1400
_ZIP64_FROM = 1_500_000_000


def xml_escape(text: str) -> str:
    """Text for a ``<w:t>`` element (control characters were removed by cells.clean)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class _Sink:
    """A write-only file for ZipFile: collects the bytes until the writer takes them."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


class DocxWriter:
    """Writes the DOCX; each method returns the zip bytes it produced."""

    def __init__(self, ctx: ReportContext, template: bytes | None = None) -> None:
        self._ctx = ctx
        self._template = template
        zone = district_zone(ctx.detail.general_criteria.district.time_zone)
        self._cells = RowCells(LocalTimes(zone, abbreviate=True))
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", zipfile.ZIP_DEFLATED)
        self._rows = 0
        self._row_format = ""
        self._empty_row = ""
        self._tail = ""

    def _entry_info(self, name: str) -> zipfile.ZipInfo:
        """Entries dated by the report's generated time: the same report, the same bytes."""
        stamp = self._ctx.generated_time.astimezone(UTC)
        info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def begin(self) -> bytes:
        cut = render_template(
            build_content(self._ctx, grouped=True), len(RECIPIENT_COLUMNS), self._template
        )
        for name, data in cut.parts:
            self._zip.writestr(self._entry_info(name), data)
        self._row_format, self._empty_row, self._tail = cut.row_format, cut.empty_row, cut.tail
        big = self._ctx.total_rows * _ROW_BYTES_ESTIMATE > _ZIP64_FROM
        self._entry = self._zip.open(self._entry_info(DOCUMENT_PART), "w", force_zip64=big)
        self._entry.write(cut.head.encode("utf-8"))
        return self._sink.take()

    def write(self, rows: Sequence[DeliveryRow]) -> bytes:
        cells = self._cells
        fmt = self._row_format.format
        esc = xml_escape
        xml = "".join([fmt(*[esc(text) for text in cells(row)]) for row in rows])
        self._entry.write(xml.encode("utf-8"))
        self._rows += len(rows)
        return self._sink.take()

    def finish(self) -> bytes:
        if not self._rows:
            self._entry.write(self._empty_row.encode("utf-8"))
        self._entry.write(self._tail.encode("utf-8"))
        self._entry.close()
        self._zip.close()
        return self._sink.take()
