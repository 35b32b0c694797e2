"""PDF text for the built-in Helvetica: WinAnsi encoding, widths, ellipsis and escaping.

The Recipient Details table is written as raw PDF text operators (see pdf_table), so this
module does by hand, and cheaply, what reportlab's drawString does for every string.
Characters outside WinAnsi (Windows-1252) fall back to their unaccented letter ("ễ" -> "e")
or "?": the built-in PDF fonts have no other glyphs; CSV and DOCX keep every character.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

from reportlab.pdfbase.pdfmetrics import getFont

FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"
ELLIPSIS = "\x85"  # "…" in WinAnsi
_WIDTHS: list[int] = list(getFont(FONT).widths)  # per WinAnsi code, in 1/1000 em
MAX_ADVANCE = max(_WIDTHS) / 1000.0

# In a PDF string: escape the delimiters, and write bytes above 127 as octal escapes.
_ESCAPES: dict[int, str] = {ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\"}
_ESCAPES.update({c: f"\\{c:03o}" for c in range(128, 256)})
_SPECIAL = re.compile(r"[()\\\x80-\U0010ffff]").search


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: an unencodable character becomes its base letter, or "?"."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        try:
            base.encode("cp1252")
        except UnicodeEncodeError:
            base = ""
        out.append(base or "?")
    return "".join(out), error.end


codecs.register_error("smlog_winansi", _fallback)


def to_winansi(text: str) -> str:
    """The text as WinAnsi codes (one str char per byte, latin-1 style)."""
    if text.isascii():
        return text
    return text.encode("cp1252", "smlog_winansi").decode("latin-1")


def width(code_text: str, size: float) -> float:
    """The width in points of WinAnsi text (from to_winansi) at ``size``."""
    return sum(map(_WIDTHS.__getitem__, code_text.encode("latin-1"))) * size / 1000.0


def fit(code_text: str, size: float, room: float) -> str:
    """The WinAnsi text, cut with an ellipsis when it is wider than ``room`` points."""
    if len(code_text) * MAX_ADVANCE * size <= room:
        return code_text
    codes = code_text.encode("latin-1")
    limit = room * 1000.0 / size
    if sum(map(_WIDTHS.__getitem__, codes)) <= limit:
        return code_text
    widths = list(accumulate(map(_WIDTHS.__getitem__, codes)))
    keep = bisect_right(widths, limit - _WIDTHS[0x85])
    return code_text[:keep].rstrip() + ELLIPSIS


def escape(code_text: str) -> str:
    """WinAnsi text as the inside of a PDF literal string."""
    return code_text if _SPECIAL(code_text) is None else code_text.translate(_ESCAPES)


def pdf_string(text: str, size: float, room: float) -> str:
    """Any text, encoded, cut to ``room`` points and escaped for a ``(...) Tj`` operator."""
    if len(text) * MAX_ADVANCE * size <= room and _SPECIAL(text) is None:
        return text  # the common case: short plain ASCII
    return escape(fit(to_winansi(text), size, room))
