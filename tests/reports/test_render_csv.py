"""CSV: parse the stream with the csv module, as docs/reports.md tells spreadsheet users."""

from __future__ import annotations

import csv
import io

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.content import RECIPIENT_COLUMNS, TOTAL_DURATION_TEXT
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import FORMULA_NAME, LONG_DETAIL, NASTY_NAME, S, collect, context, four_mode_detail

CSV = ReportFormat.REPORT_FORMAT_CSV


async def parse(
    rows: list[DeliveryRow], **kwargs: object
) -> tuple[bytes, dict[str, list[str]], list[dict[str, str]]]:
    data, _ = await collect(CSV, context(rows, **kwargs), rows)  # type: ignore[arg-type]
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blank = lines.index([])
    summary = {line[0]: line[1:] for line in lines[:blank]}
    table = lines[blank + 1 :]
    assert table[0] == list(RECIPIENT_COLUMNS)
    return data, summary, [dict(zip(table[0], line, strict=True)) for line in table[1:]]


async def test_starts_with_a_bom_and_uses_crlf(rows: list[DeliveryRow]) -> None:
    data, _, _ = await parse(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare newline: line1\nline2 was flattened


async def test_header_fields(rows: list[DeliveryRow]) -> None:
    _, summary, _ = await parse(rows)
    assert summary["Sent Message Log 2.0 Report"] == []
    assert summary["Message ID"] == ["2024"]
    assert summary["Subject"] == ['Snow day, "closed" <all> & more']
    assert summary["Message Type"] == ["Messenger 2.0 - Emergency"]
    assert summary["Sender"] == ["Dana Whitfield"]
    assert summary["Time Sent"] == ["2026-03-09 14:00:00 CDT"]
    assert summary["District"] == ["Riverside Unified School District"]
    assert summary["Time Zone"] == ["America/Chicago"]
    assert summary["Calendars"] == ["Riverside High (2025-26); Lincoln Elementary (2025-26)"]
    assert summary["Message Status"] == ["Sent"]
    assert summary["Total Recipient Count"] == ["2400"]
    assert summary["Recipients with No Device"] == ["12"]
    assert summary["Selected Delivery Modes"] == ["All (Inbox, Email, Voice, Text)"]
    assert summary["Selected Statuses"] == ["All"]
    assert summary["Recipient Details Rows"] == ["9"]
    assert summary["Report Generated"] == ["2026-03-10 10:30:00 CDT"]


async def test_delivery_summary_matches_the_message_detail(rows: list[DeliveryRow]) -> None:
    _, summary, _ = await parse(rows)
    detail = four_mode_detail()
    for mode, name in zip(
        detail.delivery_information.modes, ("Inbox", "Email", "Voice", "Text"), strict=True
    ):
        assert summary[f"{name} Total Devices"] == [str(mode.total_devices)]
        assert summary[f"{name} Total Attempts"] == [str(mode.total_attempts)]
        assert summary[f"{name} Total Success"] == [str(mode.total_successful)]
        assert summary[f"{name} Total Failed"] == [str(mode.total_error)]
        assert summary[f"{name} Total Canceled"] == [str(mode.total_canceled)]


async def test_message_duration_with_explanations(rows: list[DeliveryRow]) -> None:
    _, summary, _ = await parse(rows)
    assert summary["Total Message Duration"] == ["1 h 02 min 03 s", TOTAL_DURATION_TEXT]
    assert summary["Inbox First Attempt Duration"][0] == "0 s"
    assert summary["Email First Attempt Duration"][0] == "1 min 05 s"
    voice = summary["Voice First Attempt Duration"]
    assert voice[0] == "1 h 02 min 03 s"
    assert "first contact attempt for eligible Voice recipients" in voice[1]
    assert "redial wait times" in voice[1]
    assert summary["Text First Attempt Duration"][0] == "7 s (so far; still in progress)"


async def test_one_row_per_device_in_order_with_labels(rows: list[DeliveryRow]) -> None:
    _, _, table = await parse(rows)
    assert len(table) == len(rows)
    assert table[1] == {
        "Recipient": "Ann Lee",
        "Student": "Sam Student",
        "Delivery Mode": "Email",
        "Device": "a***@example.org",
        "Status": "Error",
        "Time": "2026-03-08 03:30:05",
        "Vendor Detail": "failed: mailbox does not exist",
    }
    assert [r["Status"] for r in table] == [
        "Sent",
        "Error",
        "Not Confirmed",
        "Undelivered",
        "Busy",
        "Opt-Out",
        "Sent",
        "Queued",
        "Canceled",
    ]
    assert [r["Delivery Mode"] for r in table][:4] == ["Inbox", "Email", "Voice", "Text"]


async def test_times_are_district_wall_clock_across_dst(rows: list[DeliveryRow]) -> None:
    _, _, table = await parse(rows)
    assert table[0]["Time"] == "2026-03-08 01:30:05"  # CST, one hour before the switch
    assert table[2]["Time"] == "2026-03-08 03:30:05"  # CDT, one hour after
    assert table[7]["Time"] == ""  # queued: nothing happened yet


async def test_quotes_commas_markup_and_unicode_round_trip(rows: list[DeliveryRow]) -> None:
    _, _, table = await parse(rows)
    assert table[4]["Recipient"] == NASTY_NAME
    assert table[4]["Student"] == "Zoë <Kid> & Co"
    assert table[6]["Recipient"] == "Ben (Benny) Ortiz\\"
    assert table[6]["Vendor Detail"] == LONG_DETAIL  # never cut in CSV


async def test_formulas_are_defused_and_control_characters_dropped(rows: list[DeliveryRow]) -> None:
    _, _, table = await parse(rows)
    assert table[5]["Recipient"] == "'" + FORMULA_NAME
    assert table[5]["Device"] == "'+15555550202"
    assert table[5]["Vendor Detail"] == "line1 line2"


async def test_empty_rows_still_give_summary_and_header() -> None:
    _, summary, table = await parse([], statuses=(S.DEVICE_STATUS_FAILED,))
    assert table == []
    assert summary["Selected Statuses"] == ["Failed"]
    assert "Recipients with No Device" not in summary  # only shown when No Device is selected
    assert summary["Voice Total Attempts"] == ["302"]
