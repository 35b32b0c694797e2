"""PDF: extract the text with pypdf and check what a reader would see."""

from __future__ import annotations

import io

from pypdf import PdfReader

from smlog.bench.synthetic import synthetic_row
from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.content import NO_ROWS_TEXT
from smlog.services.reports.render.pdf_table import PAD, ROW_HEIGHT
from smlog.services.reports.render.pdf_writer import MARGIN
from smlog.v1 import log_pb2
from smlog.v1.reports_pb2 import ReportFormat

from .conftest import M, S, collect, context, four_mode_detail, row

PDF = ReportFormat.REPORT_FORMAT_PDF


async def pdf(
    rows: list[DeliveryRow],
    statuses: tuple[int, ...] | None = None,
    detail: log_pb2.MessageDetail | None = None,
) -> PdfReader:
    data, _ = await collect(PDF, context(rows, statuses=statuses, detail=detail), rows)
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


async def pages(
    rows: list[DeliveryRow],
    statuses: tuple[int, ...] | None = None,
    detail: log_pb2.MessageDetail | None = None,
) -> list[str]:
    # Text extraction breaks lines at cells; one space between words is what we compare.
    reader = await pdf(rows, statuses, detail)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def fonts(reader: PdfReader) -> set[str]:
    """The base font names in the pages' resources, without a subset's "ABCDEF+" prefix."""
    return {
        str(font["/BaseFont"]).lstrip("/").rsplit("+", 1)[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


async def test_first_page_has_header_fields(rows: list[DeliveryRow]) -> None:
    first = (await pages(rows))[0]
    for text in (
        "Sent Message Log 2.0 Report",
        "Message ID",
        "2024",
        'Snow day, "closed" <all> & more',
        "Messenger 2.0 - Emergency",
        "Dana Whitfield",
        "2026-03-09 14:00:00 CDT",
        "Riverside Unified School District",
        "Riverside High (2025-26); Lincoln Elementary (2025-26)",
        "All (Inbox, Email, Voice, Text)",
        "Recipients with No Device",
    ):
        assert text in first, text


async def test_delivery_summary_labels_next_to_their_figures(rows: list[DeliveryRow]) -> None:
    first = (await pages(rows))[0]
    detail = four_mode_detail()
    for mode, name in zip(
        detail.delivery_information.modes, ("Inbox", "Email", "Voice", "Text"), strict=True
    ):
        assert f"{name} Total Devices {mode.total_devices}" in first
        assert f"{name} Total Attempts {mode.total_attempts}" in first
        assert f"{name} Total Success {mode.total_successful}" in first
        assert f"{name} Total Failed {mode.total_error}" in first
        assert f"{name} Total Canceled {mode.total_canceled}" in first


async def test_message_duration_section(rows: list[DeliveryRow]) -> None:
    first = (await pages(rows))[0]
    assert "Total Message Duration 1 h 02 min 03 s" in first
    assert "Email First Attempt Duration 1 min 05 s" in first
    assert "Text First Attempt Duration 7 s (so far; still in progress)" in first
    assert "redial wait windows" in first
    assert "A duration of 0 s means" in first


async def test_recipient_rows_in_district_time(rows: list[DeliveryRow]) -> None:
    text = "\n".join((await pages(rows))[1:])
    assert "Recipient Details" in text
    assert "Recipient Student Delivery Mode Device Status Time Vendor Detail" in text
    assert "2026-03-08 01:30:05 CST" in text
    assert "2026-03-08 03:30:05 CDT" in text
    for status in ("Not Confirmed", "Undelivered", "Opt-Out", "Queued", "Canceled"):
        assert status in text
    assert "(***) ***-0401" in text


async def test_escaping_fallbacks_and_ellipsis(rows: list[DeliveryRow]) -> None:
    text = "\n".join((await pages(rows))[1:])
    assert "Ben (Benny) Ortiz\\" in text  # parentheses and backslash escaped in the stream
    assert "Zoë <Kid> & Co" in text  # WinAnsi keeps ë
    assert 'O\'Brien, "Jr." <b>&amp;' in text
    assert "Zoë ???" in text  # CJK has no glyph in the built-in fonts: one "?" each
    assert "550 5.1.1 mailbox unavailable;" in text
    assert "mailbox unavailable; " * 12 not in text  # cut to its column, with an ellipsis
    assert "…" in text
    assert "line1 line2" in text


async def test_every_page_has_heading_and_page_n_of_m() -> None:
    many = [synthetic_row(i) for i in range(130)]
    found = await pages(many)
    assert len(found) == 4  # summary page, then 130 rows at 47 + 49 + 34
    for number, text in enumerate(found, start=1):
        assert "Riverside Unified School District - Message 2024" in text
        assert f"Page {number} of 4" in text
    devices = "\n".join(found).count("(***) ***-")
    assert (
        devices == 64
    )  # the voice and text rows: half of 130 rows cycling four modes, rounded down


async def test_no_rows_prints_a_notice() -> None:
    found = await pages([], statuses=(S.DEVICE_STATUS_VENDOR_ERROR,))
    assert len(found) == 2
    assert NO_ROWS_TEXT in found[1]
    assert "Selected Statuses Vendor Error" in found[0]
    assert "Recipients with No Device" not in found[0]


# Text outside WinAnsi --------------------------------------------------------------------

VIETNAMESE = "Nguyễn Thị Ánh"
RUSSIAN = "Дмитрий Иванов"
SUBJECT = "Nghỉ lễ Tết: trường đóng cửa"


def unicode_rows() -> list[DeliveryRow]:
    voice, busy = M.DELIVERY_MODE_VOICE, S.DEVICE_STATUS_BUSY
    return [
        row(1, VIETNAMESE, voice, busy, None, student=RUSSIAN, device="(***) ***-0501"),
        row(2, "Zoë Brontë", voice, busy, None, student="王小明", device="(***) ***-0502"),
        row(3, "Ann Lee", voice, busy, None, student="Zoe\u0308 Lee", device="(***) ***-0503"),
        row(4, f"{VIETNAMESE} {RUSSIAN}", voice, busy, None, device="(***) ***-0504"),
    ]


def unicode_detail() -> log_pb2.MessageDetail:
    detail = four_mode_detail()
    detail.message_details.subject = SUBJECT
    return detail


async def test_text_outside_winansi_prints_in_dejavu_sans() -> None:
    reader = await pdf(unicode_rows(), detail=unicode_detail())
    found = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert f"Subject {SUBJECT}" in found[0]  # a header field
    for text in found:  # the page heading (bold) on every page
        assert f"Riverside Unified School District - Message 2024: {SUBJECT}" in text
    details = found[1]
    assert VIETNAMESE in details
    assert RUSSIAN in details
    assert "Zoë Brontë" in details  # WinAnsi: Helvetica as before
    assert "Zoë Lee" in details  # decomposed accents are composed first
    assert "王小明" not in details
    assert "???" in details  # no glyphs in DejaVu Sans either: one "?" each
    assert f"{VIETNAMESE} Дмитрий…" in details  # cut to its column, with an ellipsis
    assert fonts(reader) == {"Helvetica", "Helvetica-Bold", "DejaVuSans", "DejaVuSans-Bold"}


async def test_dejavu_cells_sit_in_their_row_and_column() -> None:
    reader = await pdf(unicode_rows(), detail=unicode_detail())
    at: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: object, tm: list[float], font: object, size: object) -> None:
        if text.strip():
            at[text.strip()] = (round(tm[4], 2), round(tm[5], 2))

    reader.pages[1].extract_text(visitor_text=visit)
    first_row_baseline = at["Recipient"][1] - ROW_HEIGHT
    assert at["Recipient"][1] == at["Vendor Detail"][1]  # the header row
    assert at[VIETNAMESE] == (MARGIN + PAD, first_row_baseline)
    assert at[RUSSIAN] == (at["Student"][0], first_row_baseline)
    # The Helvetica cells of that row did not move: the device is in its column and row.
    device = next(text for text in at if text.startswith("Voice (***) ***-0501"))
    assert at[device][1] == first_row_baseline


async def test_winansi_report_embeds_no_truetype_font(rows: list[DeliveryRow]) -> None:
    # "Zoë 王小明" prints as "Zoë ???" in Helvetica: DejaVu Sans would print the same.
    reader = await pdf(rows)
    assert fonts(reader) == {"Helvetica", "Helvetica-Bold"}
