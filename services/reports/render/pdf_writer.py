"""PDF: landscape Letter; header fields and summaries first, then Recipient Details.

Every page carries the district and message above and "Page N of M" below. The total page
count is a form XObject defined after the last page, so the file is produced in one pass.
reportlab keeps the compressed page streams in memory and writes the file at ``save()``:
about 3.4 MB for 100,000 rows (docs/reports.md), so the bytes come out in ``finish``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab import rl_config
from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame

from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.cells import RowCells
from smlog.services.reports.render.content import NO_ROWS_TEXT, TITLE, build_content
from smlog.services.reports.render.context import ReportContext
from smlog.services.reports.render.pdf_front import front_matter
from smlog.services.reports.render.pdf_table import ROW_HEIGHT, TableBox, TableDrawer
from smlog.services.reports.render.pdf_text import (
    BOLD_FONT,
    FONT,
    fit,
    fit_unicode,
    to_winansi,
    unicode_font_name,
    unicode_text,
)
from smlog.services.reports.render.timefmt import LocalTimes, district_zone

PAGE_WIDTH, PAGE_HEIGHT = landscape(letter)
MARGIN = 36.0
CONTENT_TOP = PAGE_HEIGHT - MARGIN - 10
CONTENT_BOTTOM = MARGIN + 4
_PAGE_COUNT_FORM = "smlogPageCount"
_SECTION_TITLE_HEIGHT = 22.0

# Page streams are Flate-compressed binary. reportlab's default also wraps them in ASCII85,
# which is pure Python without the optional rl_accel extension: a quarter of the PDF time,
# for a 25% bigger file that only 7-bit mail transports ever needed.
rl_config.useA85 = 0


class PdfWriter:
    """Writes the PDF page by page; the bytes come out of ``finish``."""

    def __init__(self, ctx: ReportContext) -> None:
        self._ctx = ctx
        self._content = build_content(ctx, grouped=True)
        zone = district_zone(ctx.detail.general_criteria.district.time_zone)
        self._cells = RowCells(LocalTimes(zone, abbreviate=True))
        self._out = io.BytesIO()
        self._canvas = Canvas(
            self._out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=True
        )
        self._canvas.setTitle(f"{TITLE}: {self._content.page_heading}")
        self._canvas.setCreator("smlog")
        self._page = 1
        self._box = TableBox(MARGIN, CONTENT_TOP, CONTENT_BOTTOM)
        self._table = TableDrawer(self._box)
        self._first_details_page = True
        self._page_rows: list[list[str]] = []
        self._capacity = self._box.rows_per_page(CONTENT_TOP - _SECTION_TITLE_HEIGHT)

    # Page furniture ---------------------------------------------------------------------
    def _draw(self, x: float, y: float, text: str, size: float, room: float, bold: bool) -> None:
        """Draws the text cut to ``room`` points: Helvetica, or DejaVu Sans if it must."""
        c = self._canvas
        shown = unicode_text(text, bold)
        if shown is None:
            c.setFont(BOLD_FONT if bold else FONT, size)
            c.drawString(x, y, fit(to_winansi(text), size, room).encode("latin-1").decode("cp1252"))
        else:
            name = unicode_font_name(bold)
            c.setFont(name, size)
            c.drawString(x, y, fit_unicode(shown, name, size, room))

    def _end_page(self) -> None:
        c = self._canvas
        width = PAGE_WIDTH - 2 * MARGIN
        top = PAGE_HEIGHT - MARGIN
        self._draw(MARGIN, top, self._content.page_heading, 9, width - 200, bold=True)
        c.setFont(FONT, 9)
        c.drawRightString(PAGE_WIDTH - MARGIN, top, TITLE)
        c.setLineWidth(0.75)
        c.line(MARGIN, top - 5, PAGE_WIDTH - MARGIN, top - 5)
        c.setFont(FONT, 8)
        bottom = MARGIN - 12
        generated = f"Generated {self._content.generated} ({self._content.zone})"
        c.drawString(MARGIN, bottom, generated)
        label = f"Page {self._page} of "
        c.drawRightString(PAGE_WIDTH - MARGIN - 24, bottom, label)
        c.saveState()
        c.translate(PAGE_WIDTH - MARGIN - 24, bottom)
        c.doForm(_PAGE_COUNT_FORM)
        c.restoreState()
        c.showPage()
        self._page += 1

    # Writer protocol --------------------------------------------------------------------
    def begin(self) -> bytes:
        width = PAGE_WIDTH - 2 * MARGIN
        story = front_matter(self._content, width)
        while story:
            frame = Frame(MARGIN, CONTENT_BOTTOM, width, CONTENT_TOP - CONTENT_BOTTOM, 0, 0, 0, 0)
            before = len(story)
            frame.addFromList(story, self._canvas)
            self._end_page()
            if len(story) == before:  # a flowable taller than a page: drop it, don't loop
                story.pop(0)
        return b""

    def _draw_page(self) -> None:
        c = self._canvas
        top = CONTENT_TOP
        if self._first_details_page:
            c.setFont(BOLD_FONT, 12)
            c.drawString(MARGIN, top - 14, "Recipient Details")
            top -= _SECTION_TITLE_HEIGHT
            self._first_details_page = False
        body_top = self._table.header(c, top)
        if self._page_rows:
            self._table.body(c, body_top, self._page_rows)
        else:
            c.setFont(FONT, 9)
            c.drawString(MARGIN + 3, body_top - ROW_HEIGHT - 2, NO_ROWS_TEXT)
        self._page_rows = []
        self._capacity = self._box.rows_per_page()
        self._end_page()

    def write(self, rows: Sequence[DeliveryRow]) -> bytes:
        cells = self._cells
        page_rows = self._page_rows
        for row in rows:
            page_rows.append(cells(row))
            if len(page_rows) >= self._capacity:
                self._draw_page()
                page_rows = self._page_rows
        return b""

    def finish(self) -> bytes:
        if self._page_rows or self._first_details_page:
            self._draw_page()
        c = self._canvas
        c.beginForm(_PAGE_COUNT_FORM)
        c.setFont(FONT, 8)
        c.drawString(0, 0, str(self._page - 1))
        c.endForm()
        c.save()
        return self._out.getvalue()
