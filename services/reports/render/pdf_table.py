"""The Recipient Details table of the PDF, drawn fast: fixed columns, raw text operators.

A platypus Table lays out every cell (minutes for 100,000 rows). Here each page's body is
one string of PDF operators built with plain string formatting: zebra stripes, then one
text object where ``Td`` moves from cell to cell. The header row is repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from reportlab.pdfgen.canvas import Canvas

from smlog.services.reports.render.content import RECIPIENT_COLUMNS
from smlog.services.reports.render.pdf_text import (
    BOLD_FONT,
    FONT,
    UNICODE_FONT,
    fit_unicode,
    is_winansi,
    pdf_string,
    unicode_text,
)

FONT_SIZE = 7.5
ROW_HEIGHT = 10.5
PAD = 3.0
BASELINE = 3.2  # from the row's bottom edge
STRIPE_GRAY = 0.93
HEADER_GRAY = 0.80
# Recipient, Student, Delivery Mode, Device, Status, Time, Vendor Detail (sum: 720 pt).
COLUMN_WIDTHS: tuple[float, ...] = (118.0, 108.0, 58.0, 112.0, 66.0, 96.0, 162.0)


@dataclass(frozen=True)
class TableBox:
    """Where the table goes on a page: left edge, width and the top/bottom of the rows area."""

    left: float
    top: float
    bottom: float

    def rows_per_page(self, top: float | None = None) -> int:
        """Body rows that fit below the header row (from ``top`` when a title takes room)."""
        return int(((top if top is not None else self.top) - self.bottom) // ROW_HEIGHT) - 1


class TableDrawer:
    """Draws header rows with the canvas and body rows as raw operators."""

    def __init__(self, box: TableBox) -> None:
        self._box = box
        lefts = [box.left]
        for w in COLUMN_WIDTHS[:-1]:
            lefts.append(lefts[-1] + w)
        self._lefts = lefts
        self._rooms = [w - 2 * PAD for w in COLUMN_WIDTHS]
        self.width = sum(COLUMN_WIDTHS)
        # Td moves: to the next column, and from the last column to the next row's first.
        steps = [f"{b - a:.2f} 0 Td" for a, b in pairwise(lefts)]
        steps.append(f"{lefts[0] - lefts[-1]:.2f} {-ROW_HEIGHT:.2f} Td")
        self._steps = steps

    def header(self, canvas: Canvas, top: float) -> float:
        """Draws the shaded header row below ``top``; returns the top of the first body row."""
        bottom = top - ROW_HEIGHT
        canvas.saveState()
        canvas.setFillGray(HEADER_GRAY)
        canvas.rect(self._box.left, bottom, self.width, ROW_HEIGHT, stroke=0, fill=1)
        canvas.setFillGray(0)
        canvas.setFont(BOLD_FONT, FONT_SIZE)
        for left, name in zip(self._lefts, RECIPIENT_COLUMNS, strict=True):
            canvas.drawString(left + PAD, bottom + BASELINE, name)
        canvas.restoreState()
        return bottom

    def body(self, canvas: Canvas, top: float, rows: Sequence[Sequence[str]]) -> None:
        """Draws up to rows_per_page rows of seven texts below ``top`` (the header's bottom)."""
        if not rows:
            return
        left = self._box.left
        ops = [f"q {STRIPE_GRAY} g"]
        for i in range(1, len(rows), 2):
            ops.append(
                f"{left:.2f} {top - (i + 1) * ROW_HEIGHT:.2f} {self.width:.2f} {ROW_HEIGHT} re"
            )
        ops.append("f 0 g BT")
        # Rounded as in Tm, so that cells drawn apart share their row's baseline exactly.
        first_baseline = round(top - ROW_HEIGHT + BASELINE, 2)
        ops.append(f"1 0 0 1 {self._lefts[0] + PAD:.2f} {first_baseline:.2f} Tm")
        s1, s2, s3, s4, s5, s6, s7 = self._steps
        r1, r2, r3, r4, r5, r6, r7 = self._rooms
        size = FONT_SIZE
        apart: list[tuple[float, float, str]] = []  # x, baseline, text for DejaVu Sans
        for n, c in enumerate(rows):
            line = "".join(c)
            if not line.isascii() and not is_winansi(line):
                c = self._set_apart(c, first_baseline - n * ROW_HEIGHT, apart)
            ops.append(
                f"({pdf_string(c[0], size, r1)}) Tj {s1} ({pdf_string(c[1], size, r2)}) Tj {s2} "
                f"({pdf_string(c[2], size, r3)}) Tj {s3} ({pdf_string(c[3], size, r4)}) Tj {s4} "
                f"({pdf_string(c[4], size, r5)}) Tj {s5} ({pdf_string(c[5], size, r6)}) Tj {s6} "
                f"({pdf_string(c[6], size, r7)}) Tj {s7}"
            )
        ops.append("ET Q")
        # The font is set through the canvas so that reportlab lists it in the page resources;
        # Tf is graphics state and carries into the text object below.
        canvas.setFont(FONT, FONT_SIZE)
        canvas.addLiteral("\n".join(ops))
        if apart:  # left empty above; drawn where the Td steps would have put them
            canvas.setFont(UNICODE_FONT, FONT_SIZE)
            for x, y, text in apart:
                canvas.drawString(x, y, text)
        # A hairline under the table closes it visually.
        bottom = top - len(rows) * ROW_HEIGHT
        canvas.setLineWidth(0.5)
        canvas.line(left, bottom, left + self.width, bottom)

    def _set_apart(
        self, cells: Sequence[str], baseline: float, apart: list[tuple[float, float, str]]
    ) -> Sequence[str]:
        """The row's cells with those for DejaVu Sans emptied; those go to ``apart``."""
        kept: list[str] | None = None
        for i, text in enumerate(cells):
            shown = unicode_text(text)
            if shown is not None:
                if kept is None:
                    kept = list(cells)
                kept[i] = ""
                shown = fit_unicode(shown, UNICODE_FONT, FONT_SIZE, self._rooms[i])
                apart.append((self._lefts[i] + PAD, baseline, shown))
        return cells if kept is None else kept
