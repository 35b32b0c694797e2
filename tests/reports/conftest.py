"""A four-mode message with distinct figures per mode, nasty names and a DST-crossing night."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from google.protobuf.duration_pb2 import Duration

from smlog.bench.synthetic import sample_detail
from smlog.readmodel import DeliveryRow
from smlog.services.reports.render import ReportChunk, ReportContext, render
from smlog.v1 import common_pb2, log_pb2

M = common_pb2.DeliveryMode
S = common_pb2.DeviceStatus
ALL = (M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT)


def us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


# America/Chicago springs forward on 2026-03-08 at 08:00 UTC (02:00 CST -> 03:00 CDT).
BEFORE_DST = us(datetime(2026, 3, 8, 7, 30, 5, tzinfo=UTC))  # 2026-03-08 01:30:05 CST
AFTER_DST = us(datetime(2026, 3, 8, 8, 30, 5, tzinfo=UTC))  # 2026-03-08 03:30:05 CDT

NASTY_NAME = 'O\'Brien, "Jr." <b>&amp; Zoë 王小明'
FORMULA_NAME = '=HYPERLINK("http://x")'
LONG_DETAIL = "550 5.1.1 " + "mailbox unavailable; " * 12


def row(
    target_id: int,
    name: str,
    mode: int,
    status: int,
    time_us: int | None,
    *,
    student: str = "Sam Student",
    device: str = "(***) ***-0001",
    detail: str = "",
) -> DeliveryRow:
    return DeliveryRow(target_id, name, student, mode, device, status, time_us, detail, 1)


def sample_rows() -> list[DeliveryRow]:
    """Nine rows: every mode, several statuses, escaping and time zone cases."""
    return [
        row(
            1,
            "Ann Lee",
            M.DELIVERY_MODE_INBOX,
            S.DEVICE_STATUS_SENT,
            BEFORE_DST,
            device="Portal account",
        ),
        row(
            2,
            "Ann Lee",
            M.DELIVERY_MODE_EMAIL,
            S.DEVICE_STATUS_ERROR,
            AFTER_DST,
            device="a***@example.org",
            detail="failed: mailbox does not exist",
        ),
        row(
            3,
            "Ann Lee",
            M.DELIVERY_MODE_VOICE,
            S.DEVICE_STATUS_NOT_CONFIRMED,
            AFTER_DST,
            device="(***) ***-0101",
        ),
        row(
            4,
            "Ann Lee",
            M.DELIVERY_MODE_TEXT,
            S.DEVICE_STATUS_UNDELIVERED,
            AFTER_DST,
            device="(***) ***-0102",
            detail="30006: landline",
        ),
        row(
            5,
            NASTY_NAME,
            M.DELIVERY_MODE_VOICE,
            S.DEVICE_STATUS_BUSY,
            AFTER_DST,
            student="Zoë <Kid> & Co",
            device="(***) ***-0201",
        ),
        row(
            6,
            FORMULA_NAME,
            M.DELIVERY_MODE_TEXT,
            S.DEVICE_STATUS_OPT_OUT,
            AFTER_DST,
            device="+15555550202",
            detail="line1\nline2\x00",
        ),
        row(
            7,
            "Ben (Benny) Ortiz\\",
            M.DELIVERY_MODE_EMAIL,
            S.DEVICE_STATUS_SENT,
            AFTER_DST,
            device="b***@example.org",
            detail=LONG_DETAIL,
        ),
        row(
            8,
            "Cy Queued",
            M.DELIVERY_MODE_VOICE,
            S.DEVICE_STATUS_QUEUED,
            None,
            device="(***) ***-0301",
        ),
        row(
            9,
            "Di Canceled",
            M.DELIVERY_MODE_TEXT,
            S.DEVICE_STATUS_CANCELED,
            AFTER_DST,
            device="(***) ***-0401",
        ),
    ]


def four_mode_detail() -> log_pb2.MessageDetail:
    """Every figure distinct, so a label printed next to the wrong figure is caught."""
    detail = sample_detail(message_id=2024, modes=ALL)
    detail.message_details.subject = 'Snow day, "closed" <all> & more'
    info = detail.delivery_information
    for i, mode in enumerate(info.modes):
        base = (i + 1) * 100
        mode.total_devices = base + 1
        mode.total_attempts = base + 2
        mode.total_successful = base + 3
        mode.total_error = base + 4
        mode.total_canceled = base + 5
        mode.first_attempt_duration.CopyFrom(Duration(seconds=[0, 65, 3723, 7][i]))
        mode.first_attempt_complete = i != 3  # Text still in progress
    return detail


def context(
    rows: Sequence[DeliveryRow],
    *,
    detail: log_pb2.MessageDetail | None = None,
    statuses: tuple[int, ...] | None = None,
    modes: tuple[int, ...] = ALL,
) -> ReportContext:
    return ReportContext(
        detail=detail if detail is not None else four_mode_detail(),
        selected_modes=modes,
        selected_statuses=statuses,
        total_rows=len(rows),
        generated_time=datetime(2026, 3, 10, 15, 30, tzinfo=UTC),
    )


async def batches(rows: Sequence[DeliveryRow], size: int = 4) -> AsyncIterator[list[DeliveryRow]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


async def collect(
    fmt: int, ctx: ReportContext, rows: Sequence[DeliveryRow], size: int = 4
) -> tuple[bytes, list[ReportChunk]]:
    chunks = [chunk async for chunk in render(fmt, ctx, batches(rows, size))]
    return b"".join(c.data for c in chunks), chunks


@pytest.fixture
def rows() -> list[DeliveryRow]:
    return sample_rows()
