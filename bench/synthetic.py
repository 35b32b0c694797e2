"""A synthetic message and rows for the benchmark and for trying the renderers by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import TypeAlias

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.context import ReportContext
from smlog.v1 import common_pb2, log_pb2

_M = common_pb2.DeliveryMode
_S = common_pb2.DeviceStatus
Mode: TypeAlias = "common_pb2.DeliveryMode.ValueType"
ALL_MODES: tuple[Mode, ...] = (
    _M.DELIVERY_MODE_INBOX,
    _M.DELIVERY_MODE_EMAIL,
    _M.DELIVERY_MODE_VOICE,
    _M.DELIVERY_MODE_TEXT,
)
_STATUSES: dict[Mode, tuple[int, ...]] = {
    _M.DELIVERY_MODE_INBOX: (_S.DEVICE_STATUS_SENT,),
    _M.DELIVERY_MODE_EMAIL: (_S.DEVICE_STATUS_SENT, _S.DEVICE_STATUS_SENT, _S.DEVICE_STATUS_ERROR),
    _M.DELIVERY_MODE_VOICE: (
        _S.DEVICE_STATUS_COMPLETED,
        _S.DEVICE_STATUS_NOT_CONFIRMED,
        _S.DEVICE_STATUS_BUSY,
        _S.DEVICE_STATUS_NO_ANSWER,
        _S.DEVICE_STATUS_FAILED,
    ),
    _M.DELIVERY_MODE_TEXT: (
        _S.DEVICE_STATUS_DELIVERED,
        _S.DEVICE_STATUS_DELIVERED,
        _S.DEVICE_STATUS_UNDELIVERED,
        _S.DEVICE_STATUS_OPT_OUT,
    ),
}
_FIRST = ("Maria", "James", "Nguyễn Thị", "Olivia", "Mohammed", "Sofía", "Liam", "Chen")
_LAST = ("Garcia", "Johnson", "Anh", "Williams-Brown", "Al-Farsi", "Hernández", "O'Neil", "Wang")
_START = datetime(2026, 3, 9, 19, 0, tzinfo=UTC)  # 14:00 in America/Chicago


def _ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def sample_detail(
    message_id: int = 1042, modes: Sequence[Mode] = ALL_MODES
) -> log_pb2.MessageDetail:
    """A sent Emergency message in an America/Chicago district, with figures in every mode."""
    info = log_pb2.DeliveryInformation(total_message_duration=Duration(seconds=3723), complete=True)
    for i, mode in enumerate(modes):
        info.modes.append(
            common_pb2.ModeDelivery(
                delivery_mode=mode,
                total_devices=1000 * (i + 1),
                total_attempts=1000 * (i + 1) + 37 * i,
                total_successful=900 * (i + 1),
                total_error=90 * (i + 1),
                total_canceled=10 * (i + 1),
                first_attempt_duration=Duration(seconds=[0, 42, 754, 95][i % 4]),
                first_attempt_complete=True,
            )
        )
    return log_pb2.MessageDetail(
        message_id=message_id,
        status=common_pb2.MessageStatus.MESSAGE_STATUS_SENT,
        general_criteria=log_pb2.GeneralFilterCriteriaDetail(
            district=common_pb2.District(
                district_id=7, name="Riverside Unified School District", time_zone="America/Chicago"
            ),
            calendars=[
                common_pb2.Calendar(
                    calendar_id=1, school_name="Riverside High", school_year="2025-26"
                ),
                common_pb2.Calendar(
                    calendar_id=2, school_name="Lincoln Elementary", school_year="2025-26"
                ),
            ],
            message_type=common_pb2.MessageType.MESSAGE_TYPE_EMERGENCY,
            delivery_modes=list(modes),
            total_recipient_count=2400,
            recipients_with_no_device=12,
        ),
        delivery_information=info,
        message_details=log_pb2.MessageDetails(
            sender=common_pb2.User(user_id="u-17", display_name="Dana Whitfield"),
            sent_time=_ts(_START),
            subject="Early dismissal today: weather",
        ),
    )


def sample_context(total_rows: int, detail: log_pb2.MessageDetail | None = None) -> ReportContext:
    detail = detail if detail is not None else sample_detail()
    return ReportContext(
        detail=detail,
        selected_modes=tuple(detail.general_criteria.delivery_modes),
        selected_statuses=None,
        total_rows=total_rows,
        generated_time=datetime(2026, 3, 10, 15, 30, tzinfo=UTC),
    )


_START_US = int(_START.timestamp()) * 1_000_000
_NAMES = tuple(f"{first} {last}" for last in _LAST for first in _FIRST)  # 64 people
_FAILED = frozenset({_S.DEVICE_STATUS_ERROR, _S.DEVICE_STATUS_FAILED, _S.DEVICE_STATUS_UNDELIVERED})
_VENDOR_FAILURE = "failed: mailbox does not exist (550 5.1.1)"


def synthetic_row(i: int, modes: Sequence[Mode] = ALL_MODES) -> DeliveryRow:
    """Row ``i``: person i // len(modes), one device per mode, statuses cycling per mode."""
    mode = modes[i % len(modes)]
    statuses = _STATUSES.get(mode, (_S.DEVICE_STATUS_SENT,))
    person = i // len(modes)
    if mode == _M.DELIVERY_MODE_INBOX:
        device = "Portal account"
    elif mode == _M.DELIVERY_MODE_EMAIL:
        device = f"g***{person}@example.org"
    else:
        device = f"(***) ***-{person % 10000:04d}"
    status = statuses[person % len(statuses)]
    return DeliveryRow(
        target_id=i + 1,
        recipient_name=_NAMES[person % 64],
        student_name=_NAMES[(person + 3) % 64],
        mode=mode,
        device=device,
        status=status,
        status_time_us=_START_US + i * 36_000,
        vendor_detail=_VENDOR_FAILURE if status in _FAILED else "",
        attempt_count=1 + person % 3 if mode == _M.DELIVERY_MODE_VOICE else 1,
    )


async def synthetic_rows(
    count: int, batch_size: int = 2000, modes: Sequence[Mode] = ALL_MODES
) -> AsyncIterator[list[DeliveryRow]]:
    """``count`` rows in batches, made as they are asked for (memory stays flat)."""
    for start in range(0, count, batch_size):
        yield [synthetic_row(i, modes) for i in range(start, min(start + batch_size, count))]


def main(argv: Sequence[str] | None = None) -> None:
    """Writes a synthetic report: ``python -m smlog.bench.synthetic --help``."""
    import argparse
    import asyncio

    from smlog.services.reports.render.api import render
    from smlog.v1.reports_pb2 import ReportFormat

    parser = argparse.ArgumentParser(description="Write a report of synthetic rows to a file.")
    parser.add_argument("--format", choices=("pdf", "csv", "docx"), default="pdf")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    fmt = ReportFormat.Value(f"REPORT_FORMAT_{args.format.upper()}")

    async def write() -> None:
        with open(args.out, "wb") as out:  # noqa: ASYNC230 - a local tool, nothing else runs
            async for chunk in render(fmt, sample_context(args.rows), synthetic_rows(args.rows)):
                out.write(chunk.data)

    asyncio.run(write())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
