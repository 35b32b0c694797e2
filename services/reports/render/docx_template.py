"""The DOCX template rendered by docxtpl, cut open where the Recipient Details rows go.

docxtpl (Jinja) fills the header, Delivery Summary and Message Duration: a few dozen values.
The Recipient Details rows are far too many for a Jinja row loop, so the template holds one
row marked ``SMLOG_RECIPIENT_ROWS``; it is removed here and each of its cells becomes a
format string (cell, paragraph and run properties copied, text in between) for the writer.

The marker row is found by its text in the template *before* rendering, and tagged with an
attribute in our own XML namespace; after rendering it is found by that attribute. A subject,
district, school or sender name holding the marker text is rendered as escaped text and can
never produce an attribute, so it cannot be taken for the row (docs/security.md).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from docxtpl import DocxTemplate
from lxml import etree  # type: ignore[import-untyped]

from smlog.services.reports.render.content import NO_ROWS_TEXT, ZERO_NOTE, Field, ReportContent

DOCUMENT_PART = "word/document.xml"
ROW_MARKER = "SMLOG_RECIPIENT_ROWS"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PLACEHOLDER = "SMLOG_ROWS_GO_HERE"
_ROW_TAG = "{urn:smlog:report-template}recipient-rows"
_XMLNS = re.compile(r' xmlns:\w+="[^"]*"')


@dataclass(frozen=True)
class CutTemplate:
    """Every part of the rendered document but document.xml, and document.xml in two halves.

    ``row_format`` takes seven XML-escaped texts (str.format) and gives one ``<w:tr>``;
    ``empty_row`` is the row printed when no device matches the selection.
    """

    parts: tuple[tuple[str, bytes], ...]
    head: str
    tail: str
    row_format: str
    empty_row: str


@lru_cache(maxsize=1)
def template_bytes() -> bytes:
    return resources.files("smlog.services.reports.templates").joinpath("report.docx").read_bytes()


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _xml(element: Any | None) -> str:
    """An element as XML text without the namespace declarations the document root holds."""
    if element is None:
        return ""
    return _XMLNS.sub("", etree.tostring(element, encoding="unicode"))


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _tag_marker_row(body: Any) -> None:
    """Tags the template's marker row (found by its text, before any user text is in)."""
    marker = next(
        (tr for tr in body.iter(_w("tr")) if ROW_MARKER in "".join(tr.itertext())),
        None,
    )
    if marker is None:
        raise ValueError(f"the DOCX template has no table row holding {ROW_MARKER}")
    marker.set(_ROW_TAG, "1")


def _cut_rows(document_xml: bytes, columns: int) -> tuple[str, str, str, str]:
    root = etree.fromstring(document_xml)
    marker = next((tr for tr in root.iter(_w("tr")) if tr.get(_ROW_TAG) == "1"), None)
    if marker is None:
        raise ValueError(f"the rendered DOCX lost the row holding {ROW_MARKER}")
    cells = marker.findall(_w("tc"))
    if len(cells) != columns:
        raise ValueError(f"the template's {ROW_MARKER} row has {len(cells)} cells, not {columns}")
    row_open = f"<w:tr>{_xml(marker.find(_w('trPr')))}"
    pieces: list[str] = []
    first_text = ""
    for i, tc in enumerate(cells):
        paragraph = tc.find(_w("p"))
        p_pr = paragraph.find(_w("pPr")) if paragraph is not None else None
        runs = paragraph.findall(_w("r")) if paragraph is not None else []
        r_pr = next((r.find(_w("rPr")) for r in runs if r.find(_w("rPr")) is not None), None)
        text_open = f'<w:p>{_xml(p_pr)}<w:r>{_xml(r_pr)}<w:t xml:space="preserve">'
        if i == 0:
            first_text = text_open
        pieces.append(
            f"<w:tc>{_braces(_xml(tc.find(_w('tcPr'))) + text_open)}{{}}</w:t></w:r></w:p></w:tc>"
        )
    row_format = _braces(row_open) + "".join(pieces) + "</w:tr>"
    span = f'<w:tc><w:tcPr><w:gridSpan w:val="{columns}"/></w:tcPr>'
    empty_row = f"{row_open}{span}{first_text}{NO_ROWS_TEXT}</w:t></w:r></w:p></w:tc></w:tr>"
    marker.addprevious(etree.Comment(_PLACEHOLDER))
    marker.getparent().remove(marker)
    whole = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    head, tail = whole.decode("utf-8").split(f"<!--{_PLACEHOLDER}-->")
    return head, tail, row_format, empty_row


def _values(content: ReportContent) -> dict[str, Any]:
    return {
        "page_heading": content.page_heading,
        "generated": content.generated,
        "zone": content.zone,
        "header": [*content.header, Field("Report Generated", content.generated)],
        "summary": [figure for mode in content.summary for figure in mode.figures],
        "durations": list(content.durations),
        "zero_note": ZERO_NOTE,
    }


def render_template(
    content: ReportContent, columns: int, template: bytes | None = None
) -> CutTemplate:
    """Renders the template's Jinja fields and cuts out the Recipient Details marker row."""
    document = DocxTemplate(io.BytesIO(template if template is not None else template_bytes()))
    document.init_docx()
    _tag_marker_row(document.docx.element.body)
    document.render(_values(content), autoescape=True)
    rendered = io.BytesIO()
    document.save(rendered)
    parts: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(rendered) as archive:
        for name in archive.namelist():
            if name == DOCUMENT_PART:
                head, tail, row_format, empty_row = _cut_rows(archive.read(name), columns)
            else:
                parts.append((name, archive.read(name)))
    return CutTemplate(tuple(parts), head, tail, row_format, empty_row)
