"""Report renderers: already-fetched message detail and rows in, PDF, CSV or DOCX chunks out.

Usage (the reports servicer)::

    ctx = ReportContext(detail, selected_modes, selected_statuses, total_rows, generated_time)
    metadata = (file_name(ctx, fmt), content_type(fmt))
    async for chunk in render(fmt, ctx, row_batches):
        ...  # chunk.data (may be empty: progress only), chunk.rows_written
"""

from smlog.services.reports.render.api import (
    CHUNK_SIZE,
    content_type,
    file_name,
    render,
    resolve_format,
)
from smlog.services.reports.render.context import ReportChunk, ReportContext, RowBatches

__all__ = [
    "CHUNK_SIZE",
    "ReportChunk",
    "ReportContext",
    "RowBatches",
    "content_type",
    "file_name",
    "render",
    "resolve_format",
]
