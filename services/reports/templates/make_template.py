"""Generates report.docx, the DOCX report template.

Run ``python -m smlog.services.reports.templates.make_template`` once and commit the result. A
district may then restyle report.docx in Word (fonts, colors, table styles, header and
footer, logo) without touching code, as long as it keeps:
- the Jinja fields ({{ subject }}, the ``{%tr for ... %}`` rows), see docs/reports.md;
- the Recipient Details table with the row holding ``SMLOG_RECIPIENT_ROWS``: that row is
  replaced by one row per device, and each generated cell copies the cell, paragraph and
  run properties of that row's cell in the same column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

ROW_MARKER = "SMLOG_RECIPIENT_ROWS"
CELL_STYLE = "Report Table Text"
TEMPLATE = Path(__file__).with_name("report.docx")
# Recipient, Student, Delivery Mode, Device, Status, Time, Vendor Detail: 10 inches in all.
RECIPIENT_COLUMNS = (
    "Recipient",
    "Student",
    "Delivery Mode",
    "Device",
    "Status",
    "Time",
    "Vendor Detail",
)
RECIPIENT_WIDTHS = (1.55, 1.45, 0.75, 1.5, 0.9, 1.5, 2.35)


def _field(paragraph: Any, instruction: str) -> None:
    """Appends a Word field (PAGE, NUMPAGES) to a paragraph."""
    run = paragraph.add_run()
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    simple.append(inner)
    run._r.addnext(simple)


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


def _loop_table(
    document: Any,
    headings: tuple[str, ...] | None,
    fields: tuple[str, ...],
    loop: str,
    widths: tuple[float, ...],
) -> None:
    """A table with an optional header row and a ``{%tr for %}`` row over ``loop``."""
    table = document.add_table(rows=0, cols=len(fields))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    if headings:
        cells = table.add_row().cells
        for cell, text in zip(cells, headings, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        _repeat_header(table.rows[0])
    table.add_row().cells[0].paragraphs[0].add_run(f"{{%tr for item in {loop} %}}")
    cells = table.add_row().cells
    for i, (cell, name) in enumerate(zip(cells, fields, strict=True)):
        cell.paragraphs[0].add_run(f"{{{{ item.{name} }}}}").bold = i == 0
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Inches(width)


def build() -> Any:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Inches(11), Inches(8.5)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(0.5))
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(9)
    normal.paragraph_format.space_after = Pt(2)
    cell_style = document.styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell_style.base_style = normal
    cell_style.font.size = Pt(8)
    cell_style.paragraph_format.space_after = Pt(0)

    header = section.header.paragraphs[0]
    header.add_run("{{ page_heading }}").bold = True
    header.add_run("\tSent Message Log 2.0 Report")
    footer = section.footer.paragraphs[0]
    footer.add_run("Generated {{ generated }} ({{ zone }})\tPage ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")

    document.add_heading("Sent Message Log 2.0 Report", level=0)
    _loop_table(document, None, ("label", "value"), "header", (2.2, 7.8))
    document.add_heading("Delivery Summary", level=1)
    _loop_table(document, ("Field", "Value"), ("label", "value"), "summary", (2.6, 1.4))
    document.add_heading("Message Duration", level=1)
    _loop_table(
        document,
        ("Duration Type", "Duration", "Explanation"),
        ("label", "value", "explanation"),
        "durations",
        (2.4, 1.4, 6.2),
    )
    document.add_paragraph("{{ zero_note }}")

    document.add_heading("Recipient Details", level=1)
    table = document.add_table(rows=2, cols=len(RECIPIENT_COLUMNS))
    table.style = document.styles["Light Grid Accent 1"]
    table.autofit = False
    for cell, name in zip(table.rows[0].cells, RECIPIENT_COLUMNS, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = document.styles[CELL_STYLE]
        paragraph.add_run(name)
    _repeat_header(table.rows[0])
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:  # header row and banded rows, but no bold first column
        look.set(qn("w:firstColumn"), "0")
        look.set(qn("w:val"), "0420")
    for i, cell in enumerate(table.rows[1].cells):
        paragraph = cell.paragraphs[0]
        paragraph.style = document.styles[CELL_STYLE]
        if i == 0:
            paragraph.add_run(ROW_MARKER)
    for column, width in zip(table.columns, RECIPIENT_WIDTHS, strict=True):
        column.width = Inches(width)
    for row in table.rows:
        for cell, width in zip(row.cells, RECIPIENT_WIDTHS, strict=True):
            cell.width = Inches(width)
    return document


def main() -> None:
    build().save(str(TEMPLATE))
    print(f"wrote {TEMPLATE}")


if __name__ == "__main__":
    main()
