"""PDF text: Helvetica (WinAnsi) for almost all text, DejaVu Sans for the rest.

The Recipient Details table is written as raw PDF text operators (see pdf_table), so this
module does by hand, and cheaply, what reportlab's drawString does for every string in the
built-in Helvetica: WinAnsi (Windows-1252) encoding, widths, ellipsis and escaping.

The built-in fonts only have WinAnsi glyphs. Text with a character outside WinAnsi
("Nguyễn", "Дмитрий") is drawn with DejaVu Sans instead (unicode_text, fit_unicode): a
TrueType font shipped in services/reports/fonts and registered with reportlab on first use,
of which reportlab embeds only the glyphs a document uses. Characters that DejaVu Sans lacks
too (Chinese, Japanese, Korean, Thai, ...), and right-to-left scripts, which reportlab
cannot lay out, print as their base letter when there is one, else as "?". CSV and DOCX
keep every character.
"""

from __future__ import annotations

import codecs
import io
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import cache
from importlib import resources
from itertools import accumulate

from reportlab.pdfbase.pdfmetrics import getFont, registerFont
from reportlab.pdfbase.ttfonts import TTFont

FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"
ELLIPSIS = "\x85"  # "…" in WinAnsi
_WIDTHS: list[int] = list(getFont(FONT).widths)  # per WinAnsi code, in 1/1000 em
MAX_ADVANCE = max(_WIDTHS) / 1000.0

# In a PDF string: escape the delimiters, and write bytes above 127 as octal escapes.
_ESCAPES: dict[int, str] = {ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\"}
_ESCAPES.update({c: f"\\{c:03o}" for c in range(128, 256)})
_SPECIAL = re.compile(r"[()\\\x80-\U0010ffff]").search


def is_winansi(text: str) -> bool:
    """Whether WinAnsi (Windows-1252) has every character of the text (as it is, not NFC)."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _base_letters(char: str, has: Callable[[str], bool]) -> str:
    """The character without its accents ("ǖ" -> "u") when ``has`` them all, else "?"."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(map(has, base)) else "?"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: an unencodable character becomes its base letter, or "?"."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start : error.end]
    return "".join(_base_letters(char, is_winansi) for char in chars), error.end


codecs.register_error("smlog_winansi", _fallback)


def to_winansi(text: str) -> str:
    """The text as WinAnsi codes (one str char per byte, latin-1 style), for Helvetica.

    For text that unicode_text() leaves to Helvetica. Decomposed accents are composed first
    ("e" + U+0308 -> "ë"); any other character outside WinAnsi becomes its base letter or
    "?", which is what DejaVu Sans prints too for characters it lacks (Chinese, ...).
    """
    if text.isascii():
        return text
    try:
        return text.encode("cp1252").decode("latin-1")
    except UnicodeEncodeError:
        text = unicodedata.normalize("NFC", text)
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
    """Text for Helvetica, encoded, cut to ``room`` points and escaped for ``(...) Tj``.

    Text that unicode_text() sends to DejaVu Sans is for the caller to draw apart.
    """
    if len(text) * MAX_ADVANCE * size <= room and _SPECIAL(text) is None:
        return text  # the common case: short plain ASCII
    return escape(fit(to_winansi(text), size, room))


# DejaVu Sans, for text outside WinAnsi -------------------------------------------------

UNICODE_FONT = "DejaVuSans"
UNICODE_BOLD_FONT = "DejaVuSans-Bold"
UNICODE_ELLIPSIS = "\u2026"
_FONT_FILES: dict[str, str] = {
    UNICODE_FONT: "DejaVuSans.ttf",
    UNICODE_BOLD_FONT: "DejaVuSans-Bold.ttf",
}
_fonts: dict[str, TTFont] = {}
_fonts_lock = threading.Lock()  # reports render in worker threads


def unicode_font(name: str = UNICODE_FONT) -> TTFont:
    """``UNICODE_FONT`` or ``UNICODE_BOLD_FONT``, registered with reportlab on first use.

    Loading a font reads its file (about 0.7 MB) and parses its tables, so it happens once
    per process, and only when some report has text outside WinAnsi.
    """
    font = _fonts.get(name)
    if font is None:
        with _fonts_lock:
            font = _fonts.get(name)
            if font is None:
                data = resources.files("smlog.services.reports.fonts").joinpath(_FONT_FILES[name])
                font = TTFont(name, io.BytesIO(data.read_bytes()))
                registerFont(font)
                _fonts[name] = font
    return font


def unicode_font_name(bold: bool = False) -> str:
    """DejaVu Sans for regular text, DejaVu Sans Bold for bold text."""
    return UNICODE_BOLD_FONT if bold else UNICODE_FONT


@cache
def _printable_codes(name: str) -> frozenset[int]:
    """The code points that the font has a glyph for, less right-to-left scripts.

    reportlab draws left to right without shaping (no HarfBuzz here), so Hebrew and Arabic
    would come out reversed and unjoined: those count as missing.
    """
    codes = unicode_font(name).face.charToGlyph
    return frozenset(c for c in codes if unicodedata.bidirectional(chr(c)) not in ("R", "AL"))


def unicode_text(text: str, bold: bool = False) -> str | None:
    """None when Helvetica can print the text (WinAnsi); else the text for DejaVu Sans.

    The text for DejaVu Sans is composed (NFC), and characters that the font lacks (Chinese,
    Japanese, Korean, Thai, ...; Hebrew and Arabic, see _printable_codes) become their base
    letter or "?". When that leaves only WinAnsi characters ("Zoë 王小明" -> "Zoë ???"),
    Helvetica prints the same and the answer is None. Cheap for ASCII and WinAnsi text,
    which is nearly all text.
    """
    if text.isascii() or is_winansi(text):
        return None
    text = unicodedata.normalize("NFC", text)
    if is_winansi(text):
        return None  # decomposed accents that WinAnsi has composed
    codes = _printable_codes(unicode_font_name(bold))
    if not all(map(codes.__contains__, map(ord, text))):

        def has(char: str) -> bool:
            return ord(char) in codes

        text = "".join(c if has(c) else _base_letters(c, has) for c in text)
        if is_winansi(text):
            return None
    return text


def fit_unicode(text: str, font_name: str, size: float, room: float) -> str:
    """Text from unicode_text, cut with "…" when wider than ``room`` points in the font."""
    face = unicode_font(font_name).face
    widths, default = face.charWidths, face.defaultWidth
    advances = [widths.get(code, default) for code in map(ord, text)]
    limit = room * 1000.0 / size
    if sum(advances) <= limit:
        return text
    ends = list(accumulate(advances))
    keep = bisect_right(ends, limit - widths.get(ord(UNICODE_ELLIPSIS), default))
    return text[:keep].rstrip() + UNICODE_ELLIPSIS
