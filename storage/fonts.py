"""The TrueType CJK font every generated PDF embeds.

ReportLab's built-in CID fonts (STSong-Light) render blank or as boxes unless the reader has
CJK font packs; an embedded TrueType font renders everywhere. WenQuanYi Micro Hei comes from
Debian's fonts-wqy-microhei (installed by scripts/system-deps.sh); CJK_FONT_PATH overrides.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "ArchiveCJK"


@cache
def cjk_font() -> str:
    """Register the CJK font with ReportLab once per process and return its name."""
    path = Path(settings.CJK_FONT_PATH)
    if not path.exists():
        raise ImproperlyConfigured(
            f"The CJK font {path} is missing: install fonts-wqy-microhei or set CJK_FONT_PATH."
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME
