"""BuildReport end to end: download each format over gRPC, parse it back and check it
against what the log service answers for the same message (GetMessage, ListDeliveries)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from smlog.config import Settings
from smlog.domain import status_label
from smlog.domain.labels import format_duration, mode_label
from smlog.services.reports.render.content import NO_ROWS_TEXT, RECIPIENT_COLUMNS
from smlog.v1 import log_pb2, reports_pb2
from smlog.v1.common_pb2 import DeviceStatus
from tests.support.builders import EMAIL, INBOX, TEXT, VOICE
from tests.support.campaign import seed_campaign
from tests.support.reports import ReportEnv, download, read_csv, read_docx, read_pdf, running
from tests.support.rights import FULL

S = DeviceStatus
F = reports_pb2.ReportFormat
CHICAGO = ZoneInfo("America/Chicago")

# (delivery modes, statuses): None is "All" (the selection left unset).
FILTERS: list[tuple[tuple[int, ...] | None, tuple[int, ...] | None]] = [
    (None, None),
    ((VOICE,), None),
    ((INBOX,), None),  # a mode the message does not have: no rows
    ((EMAIL, TEXT), None),
    (None, (S.DEVICE_STATUS_COMPLETED,)),
    (None, (S.DEVICE_STATUS_FAILED, S.DEVICE_STATUS_VENDOR_ERROR)),
    (None, (S.DEVICE_STATUS_NO_DEVICE,)),
    (None, (S.DEVICE_STATUS_BUSY,)),  # Ann was Busy, then Completed: the final status counts
    ((VOICE, TEXT), (S.DEVICE_STATUS_CANCELED, S.DEVICE_STATUS_NOT_ELIGIBLE)),
]


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[ReportEnv]:
    async with running(settings) as report_env:
        yield report_env


@pytest.fixture
async def mid(env: ReportEnv) -> int:
    return await seed_campaign(env.db)


def request(
    mid: int, fmt: int, modes: Sequence[int] | None, statuses: Sequence[int] | None
) -> reports_pb2.BuildReportRequest:
    req = reports_pb2.BuildReportRequest(message_id=mid, format=fmt)  # type: ignore[arg-type]
    if modes is not None:
        req.delivery_modes.delivery_modes.extend(modes)  # type: ignore[arg-type]
    if statuses is not None:
        req.statuses.statuses.extend(statuses)  # type: ignore[arg-type]
    return req


async def log_view(
    env: ReportEnv,
    mid: int,
    modes: Sequence[int] | None,
    statuses: Sequence[int] | None,
    *,
    rights: Sequence[str] | None = None,
    full: bool = False,
) -> tuple[log_pb2.MessageDetail, list[log_pb2.Delivery]]:
    stub = env.log(rights=rights) if rights is not None else env.log()
    detail = (await stub.GetMessage(log_pb2.GetMessageRequest(message_id=mid))).message
    reply = await stub.ListDeliveries(
        log_pb2.ListDeliveriesRequest(
            message_id=mid,
            delivery_modes=list(modes or ()),  # type: ignore[arg-type]
            statuses=list(statuses or ()),  # type: ignore[arg-type]
            page_size=1000,
            show_full_devices=full,
        )
    )
    assert reply.next_page_token == ""
    return detail, list(reply.deliveries)


def cells(d: log_pb2.Delivery, *, zone_suffix: bool) -> list[str]:
    """The seven Recipient Details texts a report should print for a ListDeliveries row."""
    when = ""
    if d.HasField("status_time"):
        local = datetime.fromtimestamp(d.status_time.ToSeconds(), UTC).astimezone(CHICAGO)
        when = local.strftime("%Y-%m-%d %H:%M:%S" + (" %Z" if zone_suffix else ""))
    return [
        d.recipient_name,
        d.student_name,
        mode_label(d.delivery_mode),
        d.device,
        status_label(d.status),
        when,
        d.vendor_detail,
    ]


def expected_header(
    detail: log_pb2.MessageDetail,
    modes: Sequence[int] | None,
    statuses: Sequence[int] | None,
    rows: int,
) -> dict[str, str]:
    g, m = detail.general_criteria, detail.message_details
    sent = m.sent_time.ToDatetime(UTC).astimezone(CHICAGO).strftime("%Y-%m-%d %H:%M:%S %Z")
    header = {
        "Message ID": str(detail.message_id),
        "Subject": m.subject,
        "Message Type": "Messenger 2.0 - Emergency",
        "Sender": m.sender.display_name,
        "Time Sent": sent,
        "District": g.district.name,
        "Time Zone": g.district.time_zone,
        "Calendars": "; ".join(f"{c.school_name} ({c.school_year})" for c in g.calendars),
        "Message Status": "Canceled",
        "Total Recipient Count": str(g.total_recipient_count),
        "Selected Delivery Modes": (
            "All (Email, Voice, Text)"
            if modes is None
            else ", ".join(mode_label(x) for x in sorted(modes))
        ),
        "Selected Statuses": (
            "All" if statuses is None else ", ".join(status_label(s) for s in sorted(statuses))
        ),
        "Recipient Details Rows": str(rows),
    }
    if statuses is None or S.DEVICE_STATUS_NO_DEVICE in statuses:
        header["Recipients with No Device"] = str(g.recipients_with_no_device)
    return header


def expected_summary(detail: log_pb2.MessageDetail) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in detail.delivery_information.modes:
        name = mode_label(m.delivery_mode)
        out[f"{name} Total Devices"] = str(m.total_devices)
        out[f"{name} Total Attempts"] = str(m.total_attempts)
        out[f"{name} Total Success"] = str(m.total_successful)
        out[f"{name} Total Failed"] = str(m.total_error)
        out[f"{name} Total Canceled"] = str(m.total_canceled)
    return out


def expected_durations(detail: log_pb2.MessageDetail) -> dict[str, str]:
    info = detail.delivery_information
    out = {"Total Message Duration": format_duration(info.total_message_duration)}
    for m in info.modes:
        out[f"{mode_label(m.delivery_mode)} First Attempt Duration"] = format_duration(
            m.first_attempt_duration
        )
    return out


@pytest.mark.parametrize(("modes", "statuses"), FILTERS)
async def test_csv_matches_the_log(
    env: ReportEnv, mid: int, modes: tuple[int, ...] | None, statuses: tuple[int, ...] | None
) -> None:
    detail, deliveries = await log_view(env, mid, modes, statuses)
    got = await download(env.reports(), request(mid, F.REPORT_FORMAT_CSV, modes, statuses))
    assert got.metadata.total_rows == len(deliveries)
    report = read_csv(got.data)
    header = expected_header(detail, modes, statuses, len(deliveries))
    assert {k: report.summary[k] for k in header} == {k: [v] for k, v in header.items()}
    if statuses is not None and S.DEVICE_STATUS_NO_DEVICE not in statuses:
        assert "Recipients with No Device" not in report.summary
    for label, value in expected_summary(detail).items():
        assert report.summary[label] == [value], label
    for label, value in expected_durations(detail).items():
        assert report.summary[label][0] == value, label
    assert report.table[0] == list(RECIPIENT_COLUMNS)
    assert report.table[1:] == [cells(d, zone_suffix=False) for d in deliveries]


@pytest.mark.parametrize(("modes", "statuses"), FILTERS)
async def test_docx_matches_the_log(
    env: ReportEnv, mid: int, modes: tuple[int, ...] | None, statuses: tuple[int, ...] | None
) -> None:
    detail, deliveries = await log_view(env, mid, modes, statuses)
    got = await download(env.reports(), request(mid, F.REPORT_FORMAT_DOCX, modes, statuses))
    assert got.metadata.total_rows == len(deliveries)
    report = read_docx(got.data)
    header = expected_header(detail, modes, statuses, len(deliveries))
    assert {k: report.header[k] for k in header} == header
    assert report.summary == expected_summary(detail)
    durations = {row[0]: row[1] for row in report.durations[1:]}
    for label, value in expected_durations(detail).items():
        assert durations[label] == value, label
    assert report.table[0] == list(RECIPIENT_COLUMNS)
    body = [cells(d, zone_suffix=True) for d in deliveries]
    if body:
        assert report.table[1:] == body
    else:  # the template's table keeps one row saying there are none
        assert NO_ROWS_TEXT in report.table[1][0]


@pytest.mark.parametrize(("modes", "statuses"), FILTERS)
async def test_pdf_matches_the_log(
    env: ReportEnv, mid: int, modes: tuple[int, ...] | None, statuses: tuple[int, ...] | None
) -> None:
    detail, deliveries = await log_view(env, mid, modes, statuses)
    got = await download(env.reports(), request(mid, F.REPORT_FORMAT_PDF, modes, statuses))
    assert got.metadata.total_rows == len(deliveries)
    pages = read_pdf(got.data)
    first, rest = pages[0], " ".join(pages[1:])
    for label, value in expected_header(detail, modes, statuses, len(deliveries)).items():
        assert f"{label} {value}" in first, label
    for label, value in expected_summary(detail).items():
        assert f"{label} {value}" in first, label
    for label, value in expected_durations(detail).items():
        assert f"{label} {value}" in first, label
    assert "Recipient Student Delivery Mode Device Status Time Vendor Detail" in rest
    # Text extraction drops empty cells; every row, in order, with nothing in between.
    body = " ".join(" ".join(c for c in cells(d, zone_suffix=True) if c) for d in deliveries)
    assert (body or NO_ROWS_TEXT) in rest


async def test_unspecified_format_is_pdf_and_all_is_the_default(env: ReportEnv, mid: int) -> None:
    got = await download(env.reports(), reports_pb2.BuildReportRequest(message_id=mid))
    assert got.metadata.content_type == "application/pdf"
    assert got.metadata.file_name.endswith(".pdf")
    assert got.data.startswith(b"%PDF-")
    assert got.metadata.total_rows == 11
    assert (
        "Selected Delivery Modes All (Email, Voice, Text) Selected Statuses All"
        in (read_pdf(got.data)[0])
    )


async def test_devices_unmasked_only_with_the_device_details_right(
    env: ReportEnv, mid: int
) -> None:
    for rights, full in ((FULL, True), (None, False)):
        _, deliveries = await log_view(env, mid, None, None, rights=rights, full=full)
        stub = env.reports(rights=rights) if rights is not None else env.reports()
        got = await download(stub, request(mid, F.REPORT_FORMAT_CSV, None, None))
        devices = [row[3] for row in read_csv(got.data).table[1:]]
        assert devices == [d.device for d in deliveries]
        assert ("(555) 555-0101" in devices) is full
        assert ("(***) ***-0101" in devices) is not full
