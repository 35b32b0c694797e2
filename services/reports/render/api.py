"""render(): drives a format's writer over the row batches and yields ~64 KiB chunks.

Writers are synchronous (``begin``, ``write`` per batch, ``finish``, each returning the bytes
it produced). Their CPU work runs in a worker thread, batch by batch, so a 100,000-row PDF
never blocks the service's event loop for more than one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.context import ReportChunk, ReportContext, RowBatches
from smlog.services.reports.render.csv_writer import CsvWriter
from smlog.services.reports.render.docx_writer import DocxWriter
from smlog.services.reports.render.pdf_writer import PdfWriter
from smlog.v1.reports_pb2 import ReportFormat

CHUNK_SIZE = 64 * 1024

_F = ReportFormat
_EXTENSIONS: dict[int, str] = {
    _F.REPORT_FORMAT_PDF: "pdf",
    _F.REPORT_FORMAT_CSV: "csv",
    _F.REPORT_FORMAT_DOCX: "docx",
}
_CONTENT_TYPES: dict[int, str] = {
    _F.REPORT_FORMAT_PDF: "application/pdf",
    _F.REPORT_FORMAT_CSV: "text/csv; charset=utf-8",
    _F.REPORT_FORMAT_DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
}


class Writer(Protocol):
    def begin(self) -> bytes: ...
    def write(self, rows: Sequence[DeliveryRow]) -> bytes: ...
    def finish(self) -> bytes: ...


def resolve_format(fmt: int) -> int:
    """REPORT_FORMAT_UNSPECIFIED is PDF, the panel's default; unknown values raise ValueError."""
    if fmt == _F.REPORT_FORMAT_UNSPECIFIED:
        return _F.REPORT_FORMAT_PDF
    if fmt not in _EXTENSIONS:
        raise ValueError(f"unknown report format {fmt}")
    return fmt


def content_type(fmt: int) -> str:
    return _CONTENT_TYPES[resolve_format(fmt)]


def file_name(ctx: ReportContext, fmt: int) -> str:
    """For example "message-1042-report-20260309-1405.pdf" (generated time, UTC stamp)."""
    stamp = ctx.generated_time.strftime("%Y%m%d-%H%M")
    return f"message-{ctx.detail.message_id}-report-{stamp}.{_EXTENSIONS[resolve_format(fmt)]}"


def make_writer(fmt: int, ctx: ReportContext) -> Writer:
    fmt = resolve_format(fmt)
    if fmt == _F.REPORT_FORMAT_CSV:
        return CsvWriter(ctx)
    if fmt == _F.REPORT_FORMAT_DOCX:
        return DocxWriter(ctx)
    return PdfWriter(ctx)


async def render(
    fmt: int, ctx: ReportContext, rows: RowBatches, *, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[ReportChunk]:
    """The file as chunks of ``chunk_size`` bytes (the last one shorter).

    After every batch of rows at least one chunk reports ``rows_written``, with empty data
    when the format had nothing to flush yet. Raises ValueError for an unknown format
    before anything is produced.
    """
    writer = make_writer(fmt, ctx)
    pending = await asyncio.to_thread(writer.begin)
    written = 0
    async for batch in rows:
        produced = await asyncio.to_thread(writer.write, batch)
        written += len(batch)
        pending += produced
        if len(pending) < chunk_size:
            yield ReportChunk(b"", written)
            continue
        cut = len(pending) - len(pending) % chunk_size
        view = memoryview(pending)
        for start in range(0, cut, chunk_size):
            yield ReportChunk(bytes(view[start : start + chunk_size]), written)
        pending = bytes(view[cut:])
        view.release()
    pending += await asyncio.to_thread(writer.finish)
    view = memoryview(pending)
    for start in range(0, len(pending), chunk_size):
        yield ReportChunk(bytes(view[start : start + chunk_size]), written)
    view.release()
