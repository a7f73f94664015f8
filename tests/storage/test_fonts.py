import io
import unicodedata

import pytest
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfgen import canvas

from storage import fonts
from tests.pdf_checks import ink_under, pdf_fonts, pdf_text

# CJK Extension A, B, D, E and F: names on ID cards that WenQuanYi Micro Hei cannot draw.
RARE = "㐀𠀀𫝀𫠠𬺰"
HAN_BLOCKS = {
    "URO": (0x4E00, 0x9FFF),
    "Extension A": (0x3400, 0x4DBF),
    "Extension B": (0x20000, 0x2A6DF),
    "Extension C": (0x2A700, 0x2B73F),
    "Extension D": (0x2B740, 0x2B81F),
    "Extension E": (0x2B820, 0x2CEAF),
    "Extension F": (0x2CEB0, 0x2EBEF),
    "Compatibility": (0xF900, 0xFAFF),
    "Compatibility Supplement": (0x2F800, 0x2FA1F),
}


def test_the_font_chain_has_a_glyph_for_every_han_character_through_extension_f():
    covered = set().union(*(codes for _name, codes in fonts.font_chain()))
    for block, (first, last) in HAN_BLOCKS.items():
        missing = [
            f"U+{code:04X}"
            for code in range(first, last + 1)
            if unicodedata.category(chr(code)) != "Cn" and code not in covered
        ]
        assert not missing, (block, missing[:10])


def test_text_is_split_into_runs_of_the_first_font_that_has_each_character():
    runs = fonts.font_runs("项目负责人：张" + RARE + " Zhang")

    assert "".join(run for _font, run in runs) == "项目负责人：张" + RARE + " Zhang"
    assert runs[0] == (fonts.cjk_font(), "项目负责人：张")
    assert {font for font, _run in runs[1:-1]} <= {"ArchiveFallback1", "ArchiveFallback2"}
    assert fonts.markup("A&B 张㐀").startswith("A&amp;B 张<font name=")


def test_a_character_no_font_has_is_refused_naming_it():
    with pytest.raises(fonts.MissingGlyph) as refused:
        fonts.font_runs("王\ue000明")

    assert "U+E000 “\ue000”" in refused.value.messages[0]


def test_a_canvas_page_shows_and_gives_back_supplementary_plane_names():
    out = io.BytesIO()
    page = canvas.Canvas(out, **fonts.pdf_options())
    fonts.archival_finish(page, title="项目负责人 张" + RARE, subject="测试")
    fonts.draw_string(page, 72, 720, "项目负责人：张" + RARE, 16)
    page.save()
    data = out.getvalue()

    # ReportLab's own ToUnicode map would lose these: the archive writes surrogate pairs.
    assert "项目负责人：张" + RARE in pdf_text(data)
    assert all(ink > 20 for ink in ink_under(data, RARE).values())
    assert set(ink_under(data, RARE)) == set(RARE)
    assert {row["emb"] for row in pdf_fonts(data)} == {"yes"}
    assert b"<pdfaid:part>2</pdfaid:part>" in data
    assert b"/OutputIntents" in data
    assert b"/Lang (zh-CN)" in data


def test_the_first_font_alone_would_leave_the_rare_characters_blank():
    """What the check above guards against: the same line in WenQuanYi Micro Hei only."""
    out = io.BytesIO()
    page = canvas.Canvas(out, **fonts.pdf_options())
    page.setFont(fonts.cjk_font(), 16)
    page.drawString(72, 720, "项目负责人：张" + RARE)
    page.save()

    assert RARE not in pdf_text(out.getvalue())
    assert not ink_under(out.getvalue(), RARE)


def test_a_missing_font_is_reported_with_what_to_install(settings):
    def forget():
        for cached in (fonts._chain, fonts._codes, fonts._font_of):
            cached.cache_clear()

    forget()
    settings.PDF_FALLBACK_FONTS = [("/nonexistent/HanaMinB.ttf", "fonts-hanazono")]
    try:
        with pytest.raises(ImproperlyConfigured, match="fonts-hanazono"):
            fonts.cjk_font()  # every file is checked before the first PDF, not when needed
    finally:
        forget()


def test_the_deploy_check_names_a_missing_font_and_its_package(settings):
    from storage.checks import pdf_fonts_check

    assert pdf_fonts_check() == []
    settings.PDF_FALLBACK_FONTS = [("/nonexistent/BabelStoneHan.ttf", "fonts-babelstone-han")]
    [error] = pdf_fonts_check()
    assert error.id == "storage.E004"
    assert "/nonexistent/BabelStoneHan.ttf" in error.msg
    assert "fonts-babelstone-han" in error.hint
