"""render() streaming contract, file metadata, labels and district time formatting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.duration_pb2 import Duration

from smlog.bench.synthetic import synthetic_row
from smlog.domain.labels import format_duration, format_seconds, type_label
from smlog.services.reports.render import content_type, file_name, render, resolve_format, timefmt
from smlog.services.reports.render.content import build_content
from smlog.services.reports.render.timefmt import LocalTimes, district_zone
from smlog.v1.common_pb2 import MessageType
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import AFTER_DST, BEFORE_DST, M, S, batches, collect, context

F = ReportFormat


def test_file_names_and_content_types() -> None:
    ctx = context([])
    assert file_name(ctx, F.REPORT_FORMAT_CSV) == "message-2024-report-20260310-1530.csv"
    assert file_name(ctx, F.REPORT_FORMAT_UNSPECIFIED).endswith(".pdf")  # the panel's default
    assert content_type(F.REPORT_FORMAT_PDF) == "application/pdf"
    assert content_type(F.REPORT_FORMAT_CSV) == "text/csv; charset=utf-8"
    assert content_type(F.REPORT_FORMAT_DOCX).endswith("wordprocessingml.document")
    assert resolve_format(F.REPORT_FORMAT_UNSPECIFIED) == F.REPORT_FORMAT_PDF


async def test_unknown_format_fails_before_any_byte() -> None:
    with pytest.raises(ValueError, match="unknown report format 9"):
        async for _ in render(9, context([]), batches([])):
            pass


@pytest.mark.parametrize("fmt", [F.REPORT_FORMAT_CSV, F.REPORT_FORMAT_PDF, F.REPORT_FORMAT_DOCX])
async def test_chunks_are_bounded_and_progress_counts_rows(fmt: int) -> None:
    rows = [synthetic_row(i) for i in range(700)]
    ctx = context(rows)
    chunks = [c async for c in render(fmt, ctx, batches(rows, 100), chunk_size=4096)]
    assert all(len(c.data) <= 4096 for c in chunks)
    assert all(len(c.data) == 4096 for c in chunks[:-1] if c.data)
    progress = [c.rows_written for c in chunks]
    assert progress == sorted(progress)
    assert {100, 200, 300, 400, 500, 600, 700} <= set(progress)  # at least one chunk per batch
    assert progress[-1] == 700
    whole, _ = await collect(fmt, ctx, rows, size=100)
    assert b"".join(c.data for c in chunks) == whole  # the same file whatever the chunking


def test_durations() -> None:
    assert format_seconds(0) == "0 s"
    assert format_seconds(59) == "59 s"
    assert format_seconds(60) == "1 min 00 s"
    assert format_seconds(3723) == "1 h 02 min 03 s"
    assert format_seconds(90000) == "25 h 00 min 00 s"
    assert format_duration(Duration(seconds=0, nanos=999_000_000)) == "0 s"  # under a second


def test_labels() -> None:
    assert type_label(MessageType.MESSAGE_TYPE_PRIORITY) == "Messenger 2.0 - Priority"
    assert type_label(MessageType.MESSAGE_TYPE_TEXT_OPT_OUT) == "Text Opt Out"


@pytest.mark.parametrize(
    ("zone", "utc", "expected"),
    [
        ("America/Chicago", datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "2026-11-01 01:30:00 CDT"),
        ("America/Chicago", datetime(2026, 11, 1, 7, 30, tzinfo=UTC), "2026-11-01 01:30:00 CST"),
        (
            "America/St_Johns",
            datetime(2026, 3, 8, 5, 29, 59, tzinfo=UTC),
            "2026-03-08 01:59:59 NST",
        ),
        ("America/St_Johns", datetime(2026, 3, 8, 5, 30, tzinfo=UTC), "2026-03-08 03:00:00 NDT"),
        ("Asia/Kolkata", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-01-01 05:30:00 IST"),
        ("", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-01-01 00:00:00 UTC"),
        ("Not/AZone", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-01-01 00:00:00 UTC"),
    ],
)
def test_local_times_across_transitions(zone: str, utc: datetime, expected: str) -> None:
    assert LocalTimes(district_zone(zone), abbreviate=True).at(utc) == expected


def test_local_times_without_abbreviation_and_pre_epoch() -> None:
    times = LocalTimes(district_zone("America/Chicago"), abbreviate=False)
    assert times(BEFORE_DST) == "2026-03-08 01:30:05"
    assert times(AFTER_DST) == "2026-03-08 03:30:05"
    assert times(None) == ""
    assert times(-1_000_000) == "1969-12-31 17:59:59"


def test_selection_texts() -> None:
    some = build_content(
        context(
            [],
            modes=(M.DELIVERY_MODE_VOICE,),
            statuses=(S.DEVICE_STATUS_NO_DEVICE, S.DEVICE_STATUS_BUSY),
        ),
        grouped=True,
    )
    header = {f.label: f.value for f in some.header}
    assert header["Selected Delivery Modes"] == "Voice"
    assert header["Selected Statuses"] == "No Device, Busy"
    assert header["Recipients with No Device"] == "12"
    assert header["Total Recipient Count"] == "2,400"


def test_local_times_cache_per_second_and_stays_right_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(timefmt, "_MAX_CACHED_SECONDS", 3)
    times = LocalTimes(district_zone("America/Chicago"), abbreviate=False)
    expected = ["2026-03-08 01:30:05", "2026-03-08 03:30:05"]
    for _ in range(3):  # the second round is served from the cache, the third after a clear
        assert [times(BEFORE_DST + 999_999), times(AFTER_DST)] == expected
        for second in range(4):
            times(AFTER_DST + (second + 1) * 1_000_000)
    assert times(BEFORE_DST) == expected[0]
