"""DOCX: open the file with python-docx, as Word would, and read the tables back."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.content import (
    NO_ROWS_TEXT,
    RECIPIENT_COLUMNS,
    TOTAL_DURATION_TEXT,
)
from smlog.services.reports.render.docx_template import ROW_MARKER, template_bytes
from smlog.services.reports.render.docx_writer import DocxWriter
from smlog.services.reports.templates.make_template import build
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import FORMULA_NAME, LONG_DETAIL, NASTY_NAME, S, collect, context, four_mode_detail

DOCX = ReportFormat.REPORT_FORMAT_DOCX


async def open_docx(
    rows: list[DeliveryRow], statuses: tuple[int, ...] | None = None
) -> tuple[bytes, object]:
    data, _ = await collect(DOCX, context(rows, statuses=statuses), rows)
    return data, docx.Document(io.BytesIO(data))


def table_texts(table: object) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]


async def test_header_fields_are_filled(rows: list[DeliveryRow]) -> None:
    _, document = await open_docx(rows)
    header = dict(table_texts(document.tables[0]))  # type: ignore[attr-defined]
    assert header["Message ID"] == "2024"
    assert header["Subject"] == 'Snow day, "closed" <all> & more'
    assert header["Message Type"] == "Messenger 2.0 - Emergency"
    assert header["Sender"] == "Dana Whitfield"
    assert header["Time Sent"] == "2026-03-09 14:00:00 CDT"
    assert header["District"] == "Riverside Unified School District"
    assert header["Calendars"] == "Riverside High (2025-26); Lincoln Elementary (2025-26)"
    assert header["Message Status"] == "Sent"
    assert header["Selected Delivery Modes"] == "All (Inbox, Email, Voice, Text)"
    assert header["Selected Statuses"] == "All"
    assert header["Report Generated"] == "2026-03-10 10:30:00 CDT"
    page_header = document.sections[0].header.paragraphs[0].text  # type: ignore[attr-defined]
    assert page_header.startswith("Riverside Unified School District - Message 2024: Snow day")


async def test_delivery_summary_and_durations(rows: list[DeliveryRow]) -> None:
    _, document = await open_docx(rows)
    summary = dict(table_texts(document.tables[1])[1:])  # type: ignore[attr-defined]
    detail = four_mode_detail()
    for mode, name in zip(
        detail.delivery_information.modes, ("Inbox", "Email", "Voice", "Text"), strict=True
    ):
        assert summary[f"{name} Total Devices"] == f"{mode.total_devices:,}"
        assert summary[f"{name} Total Attempts"] == f"{mode.total_attempts:,}"
        assert summary[f"{name} Total Success"] == f"{mode.total_successful:,}"
        assert summary[f"{name} Total Failed"] == f"{mode.total_error:,}"
        assert summary[f"{name} Total Canceled"] == f"{mode.total_canceled:,}"
    durations = table_texts(document.tables[2])  # type: ignore[attr-defined]
    assert durations[0] == ["Duration Type", "Duration", "Explanation"]
    assert durations[1] == ["Total Message Duration", "1 h 02 min 03 s", TOTAL_DURATION_TEXT]
    assert durations[3][:2] == ["Email First Attempt Duration", "1 min 05 s"]
    assert "redial wait times" in durations[4][2]


async def test_recipient_rows_exact_with_escaping_and_unicode(rows: list[DeliveryRow]) -> None:
    _, document = await open_docx(rows)
    table = table_texts(document.tables[3])  # type: ignore[attr-defined]
    assert table[0] == list(RECIPIENT_COLUMNS)
    body = table[1:]
    assert len(body) == len(rows)
    assert body[0] == [
        "Ann Lee",
        "Sam Student",
        "Inbox",
        "Portal account",
        "Sent",
        "2026-03-08 01:30:05 CST",
        "",
    ]
    assert body[1][4:] == ["Error", "2026-03-08 03:30:05 CDT", "failed: mailbox does not exist"]
    assert body[4][:2] == [NASTY_NAME, "Zoë <Kid> & Co"]
    assert body[5][0] == FORMULA_NAME  # only CSV needs formula guarding
    assert body[5][6] == "line1 line2"
    assert body[6][0] == "Ben (Benny) Ortiz\\"
    assert body[6][6] == LONG_DETAIL
    assert body[7][4:6] == ["Queued", ""]


async def test_table_keeps_template_style_header_repeat_and_no_marker(
    rows: list[DeliveryRow],
) -> None:
    data, document = await open_docx(rows)
    table = document.tables[3]  # type: ignore[attr-defined]
    assert table.style.name == "Light Grid Accent 1"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1].cells[0].paragraphs[0].style.name == "Report Table Text"
    assert ROW_MARKER.encode() not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")


async def test_no_rows_prints_a_notice() -> None:
    _, document = await open_docx([], statuses=(S.DEVICE_STATUS_CANCELED,))
    table = table_texts(document.tables[3])  # type: ignore[attr-defined]
    assert len(table) == 2
    assert table[1][0] == NO_ROWS_TEXT
    header = dict(table_texts(document.tables[0]))  # type: ignore[attr-defined]
    assert header["Selected Statuses"] == "Canceled"


def test_committed_template_is_what_make_template_generates() -> None:
    generated = io.BytesIO()
    build().save(generated)
    fresh = zipfile.ZipFile(generated)
    committed = zipfile.ZipFile(io.BytesIO(template_bytes()))
    assert sorted(fresh.namelist()) == sorted(committed.namelist())
    for part in fresh.namelist():
        if part != "docProps/core.xml":  # holds the creation time
            assert fresh.read(part) == committed.read(part), f"{part} is stale: run make_template"


def restyled_template(marker_xml: str) -> bytes:
    """The committed template with its marker cell's run replaced, as Word might save it."""
    source = zipfile.ZipFile(io.BytesIO(template_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                original = f"<w:r><w:t>{ROW_MARKER}</w:t></w:r>".encode()
                assert original in data
                data = data.replace(original, marker_xml.encode())
            target.writestr(name, data)
    return out.getvalue()


def test_restyled_marker_row_styles_every_row(rows: list[DeliveryRow]) -> None:
    # Word split the marker into two runs, and the district made the first column bold.
    template = restyled_template(
        "<w:r><w:rPr><w:b/></w:rPr><w:t>SMLOG_</w:t></w:r><w:r><w:t>RECIPIENT_ROWS</w:t></w:r>"
    )
    writer = DocxWriter(context(rows), template=template)
    data = writer.begin() + writer.write(rows) + writer.finish()
    table = docx.Document(io.BytesIO(data)).tables[3]
    assert len(table.rows) == len(rows) + 1
    for row in table.rows[1:]:
        assert row.cells[0].paragraphs[0].runs[0].bold is True
        assert row.cells[1].paragraphs[0].runs[0].bold is None
    assert table.rows[5].cells[0].text == NASTY_NAME


def test_template_without_marker_row_is_refused(rows: list[DeliveryRow]) -> None:
    writer = DocxWriter(context(rows), template=restyled_template("<w:r><w:t>gone</w:t></w:r>"))
    with pytest.raises(ValueError, match="no table row holding SMLOG_RECIPIENT_ROWS"):
        writer.begin()
