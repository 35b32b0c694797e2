"""User text holding the DOCX recipient-row marker: the report still builds, every recipient
row is written where the template's marker row was, and the text prints as typed."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.docx_template import ROW_MARKER
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import collect, context, four_mode_detail


def table_texts(table: object) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]


@pytest.mark.parametrize("where", ["subject", "district", "school", "sender", "all"])
async def test_marker_text_in_user_fields_does_not_break_the_report(
    rows: list[DeliveryRow], where: str
) -> None:
    detail = four_mode_detail()
    text = f"x {ROW_MARKER} y"
    if where in ("subject", "all"):
        detail.message_details.subject = text
    if where in ("district", "all"):
        detail.general_criteria.district.name = ROW_MARKER
    if where in ("school", "all"):
        detail.general_criteria.calendars[0].school_name = ROW_MARKER
    if where in ("sender", "all"):
        detail.message_details.sender.display_name = ROW_MARKER
    data, _ = await collect(ReportFormat.REPORT_FORMAT_DOCX, context(rows, detail=detail), rows)
    document = docx.Document(io.BytesIO(data))
    recipients = table_texts(document.tables[3])
    assert len(recipients) == len(rows) + 1
    assert recipients[1][0] == "Ann Lee"
    header = dict(table_texts(document.tables[0]))
    if where in ("subject", "all"):
        assert header["Subject"] == text
    if where in ("district", "all"):
        assert header["District"] == ROW_MARKER
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    assert b"urn:smlog:report-template" not in xml  # the tag left with the marker row
