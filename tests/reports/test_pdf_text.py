"""Which PDF text goes to Helvetica (WinAnsi) and which to DejaVu Sans, and how it is cut."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from smlog.services.reports.render.pdf_text import (
    UNICODE_BOLD_FONT,
    UNICODE_FONT,
    fit_unicode,
    to_winansi,
    unicode_text,
)


@pytest.mark.parametrize(
    "text",
    [
        "Ann Lee",
        "Zoë Brontë",  # WinAnsi has ë
        "Zoe\u0308",  # decomposed: composed to "Zoë" first
        "\u0152uvre \u2013 \u201cquoted\u201d \u20ac5",  # WinAnsi has these (0x80-0x9F)
        "王小明",  # nothing for DejaVu Sans to add: "???" either way
        "\u0645\u062d\u0645\u062f",  # Arabic: reportlab cannot lay out right-to-left text
        "Zoë 王小明",
    ],
)
def test_helvetica_keeps_what_winansi_can_print(text: str) -> None:
    assert unicode_text(text) is None
    assert unicode_text(text, bold=True) is None


def test_winansi_fallbacks() -> None:
    assert to_winansi("Zoe\u0308") == "Zo\xeb"
    assert to_winansi("Zoë 王小明") == "Zo\xeb ???"
    assert to_winansi("€") == "\x80"


@pytest.mark.parametrize(
    "text",
    ["Nguyễn Thị Ánh", "Дмитрий Иванов", "Αλέξανδρος", "Łukasz Żółć", "Şükrü Çağ", "Գևորգ"],
)
def test_dejavu_sans_prints_the_rest(text: str) -> None:
    assert unicode_text(text) == text
    assert unicode_text(text, bold=True) == text


def test_dejavu_text_is_composed_and_unknown_characters_become_question_marks() -> None:
    assert unicode_text("Nguye\u0302\u0303n") == "Nguyễn"
    assert unicode_text("Дмитрий 王") == "Дмитрий ?"
    assert unicode_text("Дмитрий \u05e9") == "Дмитрий ?"  # Hebrew: right-to-left


def test_fit_unicode_cuts_with_an_ellipsis() -> None:
    name = "Nguyễn Thị Ánh " * 4
    assert fit_unicode("Nguyễn", UNICODE_FONT, 7.5, 100) == "Nguyễn"
    cut = fit_unicode(name, UNICODE_FONT, 7.5, 100)
    assert cut.endswith("…")
    assert name.startswith(cut[:-1])
    assert 90 < stringWidth(cut, UNICODE_FONT, 7.5) <= 100
    bold = fit_unicode(name, UNICODE_BOLD_FONT, 7.5, 100)
    assert stringWidth(bold, UNICODE_BOLD_FONT, 7.5) <= 100
