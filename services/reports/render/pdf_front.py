"""The PDF's first pages: header fields, Delivery Summary and Message Duration (platypus).

These are a few dozen cells, so platypus tables are fine here; they flow onto more pages if
a message lists many calendars.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from smlog.services.reports.render.content import TITLE, ZERO_NOTE, Field, ReportContent
from smlog.services.reports.render.pdf_text import (
    BOLD_FONT,
    FONT,
    to_winansi,
    unicode_font_name,
    unicode_text,
)

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5)
_LABEL = ParagraphStyle("label", parent=_BODY, fontName=BOLD_FONT)
_TITLE = ParagraphStyle("title", fontName=BOLD_FONT, fontSize=16, leading=20, spaceAfter=8)
_HEADING = ParagraphStyle(
    "heading", fontName=BOLD_FONT, fontSize=12, leading=15, spaceBefore=10, spaceAfter=5
)
_GRID = colors.Color(0.7, 0.7, 0.7)
_SHADE = colors.Color(0.9, 0.9, 0.9)


def printable(text: str, bold: bool = False) -> str:
    """The text as Paragraph markup, escaped.

    In the style's Helvetica when WinAnsi has the text, else in DejaVu Sans (the bold one
    for bold styles) with a ``<font>`` tag; see pdf_text.unicode_text.
    """
    shown = unicode_text(text, bold)
    if shown is None:
        return escape(to_winansi(text).encode("latin-1").decode("cp1252", errors="replace"))
    name = unicode_font_name(bold)
    return f'<font name="{name}">{escape(shown)}</font>'


def _para(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(printable(text, bold=style.fontName == BOLD_FONT), style)


def _table(data: list[list[Flowable | str]], widths: list[float], shade_first_row: bool) -> Table:
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if shade_first_row:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _SHADE))
    return Table(
        data,
        colWidths=widths,
        style=TableStyle(style),
        repeatRows=1 if shade_first_row else 0,
        hAlign="LEFT",
    )


def front_matter(content: ReportContent, width: float) -> list[Flowable]:
    """Title, header fields, Delivery Summary and Message Duration as flowables."""
    story: list[Flowable] = [Paragraph(TITLE, _TITLE)]
    cells: list[Flowable | str] = []
    for f in (*content.header, Field("Report Generated", content.generated)):
        cells += [_para(f.label, _LABEL), _para(f.value)]
    if len(cells) % 4:
        cells += ["", ""]
    header = [cells[i : i + 4] for i in range(0, len(cells), 4)]  # two fields per line
    half = width / 2
    story.append(_table(header, [125, half - 125, 125, half - 125], shade_first_row=False))

    story.append(Paragraph("Delivery Summary", _HEADING))
    if content.summary:
        per_mode = width / 4
        rows: list[list[Flowable | str]] = []
        for line in range(len(content.summary[0].figures)):
            row: list[Flowable | str] = []
            for mode in content.summary:
                figure = mode.figures[line]
                row += [_para(figure.label, _LABEL), _para(figure.value)]
            rows.append(row)
        widths = [per_mode - 55, 55] * len(content.summary)
        story.append(_table(rows, widths, shade_first_row=False))
    else:
        story.append(_para("This message has no delivery modes."))

    story.append(Paragraph("Message Duration", _HEADING))
    durations: list[list[Flowable | str]] = [
        [_para("Duration Type", _LABEL), _para("Duration", _LABEL), _para("Explanation", _LABEL)]
    ]
    durations += [
        [_para(d.label, _LABEL), _para(d.value), _para(d.explanation)] for d in content.durations
    ]
    story.append(_table(durations, [170, 120, width - 290], shade_first_row=True))
    story.append(Spacer(0, 4))
    story.append(_para(ZERO_NOTE))
    return story
