import pytest
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfgen import canvas

from storage.fonts import cjk_font


def test_generated_pdfs_embed_the_cjk_font_so_chinese_shows_in_any_reader(tmp_path):
    pdf = tmp_path / "pledge.pdf"
    page = canvas.Canvas(str(pdf))
    page.setFont(cjk_font(), 16)
    page.drawString(72, 720, "工程质量终身责任承诺书")
    page.save()

    content = pdf.read_bytes()
    assert b"/FontFile2" in content  # the TrueType program travels inside the PDF
    assert b"WenQuanYiMicroHei" in content


def test_a_missing_cjk_font_is_reported_with_what_to_install(settings):
    cjk_font.cache_clear()
    settings.CJK_FONT_PATH = "/nonexistent/font.ttc"
    try:
        with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
            cjk_font()
    finally:
        cjk_font.cache_clear()
