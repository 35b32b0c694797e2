"""What a renderer is given (ReportContext) and what it hands back (ReportChunk)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TypeAlias

from smlog.readmodel import DeliveryRow
from smlog.v1 import log_pb2

RowBatches: TypeAlias = AsyncIterator[Sequence[DeliveryRow]]
"""Recipient Details rows in batches (about 1,000 to 5,000 rows each), in report order."""


@dataclass(frozen=True)
class ReportContext:
    """Everything about a report except its rows.

    ``selected_modes`` holds DeliveryMode values, "All" already expanded by the caller;
    ``selected_statuses`` holds DeviceStatus values, or None for "All". The rows given to
    the renderer are expected to be filtered by both already: the renderer prints them.
    ``total_rows`` is the caller's count of those rows (printed in the header; DOCX also uses
    it to decide on Zip64); ``generated_time`` must be timezone-aware.
    """

    detail: log_pb2.MessageDetail
    selected_modes: tuple[int, ...]
    selected_statuses: tuple[int, ...] | None
    total_rows: int
    generated_time: datetime


class ReportChunk(NamedTuple):
    """The next bytes of the file and the Recipient Details rows written so far.

    ``data`` may be empty: formats that can only write their bytes at the end (PDF) still
    report progress after each batch, so a progress bar moves while the file is produced.
    """

    data: bytes
    rows_written: int
