"""The fonts every generated PDF embeds, and what every PDF says about itself.

A chain of TrueType (glyf-outline) fonts, all embedded, covers every Han character of GB
18030-2022 — the BMP, CJK Extension A and the supplementary-plane Extensions B–F — and
Latin: WenQuanYi Micro Hei (fonts-wqy-microhei, the archive's look), HanaMinA and HanaMinB
(fonts-hanazono: Extension A, compatibility ideographs; Extensions B–F), BabelStone Han
(fonts-babelstone-han: the ideographs Unicode added after Hanazono) and DejaVu Sans
(fonts-dejavu-core: Latin and symbols). ReportLab embeds only glyf TrueType, never CFF
OpenType, so Noto/Source Han are not candidates. Text is split into runs by the first font
of the chain that has a glyph for each character (``markup`` for Paragraphs, ``draw_string``
for a canvas). A character no font has stops the document (``MissingGlyph``): the archive
does not sign a PDF that does not show what its text says.

Every PDF also carries title, author, subject and language (zh-CN), no standard-14 font
(the canvas's initial font is the chain's first), and — ``archival_finish`` — the XMP
metadata and sRGB output intent PDF/A-2b asks for (see the README for how far that goes).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_NAME = "ArchiveCJK"
AUTHOR = "Lifetime Quality Archive 工程质量终身责任档案"
LANGUAGE = "zh-CN"
# Characters that are layout, not text: they never need a glyph.
_LAYOUT = frozenset("\n\r\t")


@dataclass(frozen=True)
class ChainFont:
    name: str
    path: str
    subfont: int
    package: str


def chain_spec() -> list[ChainFont]:
    return [
        ChainFont(FONT_NAME, settings.CJK_FONT_PATH, 0, "fonts-wqy-microhei"),
        *(
            ChainFont(f"ArchiveFallback{i}", path, 0, package)
            for i, (path, package) in enumerate(settings.PDF_FALLBACK_FONTS, start=1)
        ),
    ]


@cache
def _chain() -> tuple[ChainFont, ...]:
    """The chain, every file checked once per process (loud when a package is missing)."""
    chain = tuple(chain_spec())
    for font in chain:
        if not Path(font.path).exists():
            raise ImproperlyConfigured(
                f"The PDF font {font.path} is missing: install {font.package}"
                " (scripts/system-deps.sh) or set CJK_FONT_PATH / PDF_FALLBACK_FONTS."
            )
    return chain


@cache
def _codes(index: int) -> frozenset[int]:
    """Register the chain's ``index``-th font with ReportLab, the first time a character needs
    it (ReportLab holds a font's whole file in memory: a process that never meets a rare
    character never loads the 100 MB of fallbacks), and return the code points it draws."""
    font = _chain()[index]
    ttf = TTFont(font.name, font.path, subfontIndex=font.subfont)
    pdfmetrics.registerFont(ttf)
    # A private-use character means whatever each font makes of it (GB 18030-2005's PUA
    # codes among them): no font is trusted to show what such text says.
    return frozenset(c for c in ttf.face.charToGlyph if not _private_use(c))


def font_chain() -> tuple[tuple[str, frozenset[int]], ...]:
    """Every font of the chain, registered: (name, code points)."""
    return tuple((font.name, _codes(i)) for i, font in enumerate(_chain()))


def _private_use(code: int) -> bool:
    return 0xE000 <= code <= 0xF8FF or code >= 0xF0000


def cjk_font() -> str:
    """The chain's first font, registered: the base font of every style."""
    _codes(0)
    return _chain()[0].name


class MissingGlyph(ValidationError):
    """A character no font of the chain can draw: the document is not made."""

    def __init__(self, char: str):
        self.char = char
        super().__init__(
            _(
                "The character U+%(code)04X “%(char)s” cannot be printed: none of the"
                " archive's fonts has a glyph for it, and the archive does not make a PDF"
                " that does not show what its text says. Check the name or text for a"
                " mistyped or private character; if the character is right, ask the"
                " operator to add a font that has it."
            )
            % {"code": ord(char), "char": char},
            code="missing_glyph",
        )


@cache
def _font_of(char: str) -> str | None:
    code = ord(char)
    for index, font in enumerate(_chain()):
        if code in _codes(index):
            return font.name
    return None


def font_runs(text: str) -> list[tuple[str, str]]:
    """``text`` split into (font name, characters) runs, each character in the first font
    of the chain that has it. Raises ``MissingGlyph`` naming the first character none has."""
    first_name, first_codes = cjk_font(), _codes(0)
    if all(ord(c) in first_codes or c in _LAYOUT for c in text):  # the common case
        return [(first_name, text)] if text else []
    runs: list[tuple[str, str]] = []
    for char in text:
        name = runs[-1][0] if char in _LAYOUT and runs else _font_of(char)
        if char in _LAYOUT and name is None:
            name = first_name
        if name is None:
            raise MissingGlyph(char)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    return runs


def check_printable(*texts: str) -> None:
    """Refuse, before anything is written, text a PDF could not show."""
    for text in texts:
        font_runs(text or "")


_TAG = re.compile(r"(<[^>]*>)")


def markup(text: str) -> str:
    """Paragraph markup for plain ``text``: escaped, each run outside the base font wrapped
    in ``<font name=…>``."""
    first = cjk_font()
    return "".join(
        html.escape(run, quote=False)
        if name == first
        else f'<font name="{name}">{html.escape(run, quote=False)}</font>'
        for name, run in font_runs(text)
    )


def markup_rich(fragment: str) -> str:
    """Like ``markup`` for Paragraph markup that already has tags (links, <br/>): only the
    text between the tags is split into font runs."""
    return "".join(
        part if part.startswith("<") else markup(html.unescape(part))
        for part in _TAG.split(fragment)
        if part
    )


def string_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in font_runs(text))


def draw_string(canvas, x: float, y: float, text: str, size: float, align: str = "left") -> None:
    """``canvas.drawString`` with a font per run; ``align`` is "left", "centre" or "right"."""
    runs = font_runs(text)
    if align != "left":
        width = sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs)
        x -= width / 2 if align == "centre" else width
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


# --- What every PDF says about itself ---


def pdf_options() -> dict:
    """Keyword arguments for every Canvas / SimpleDocTemplate: the language, and the chain's
    first font as the initial font, so the PDF references no standard-14 (unembedded) font."""
    return {"lang": LANGUAGE, "initialFontName": cjk_font()}


@cache
def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _xmp(doc) -> bytes:
    info, stamp = doc.info, doc._timeStamp
    y, mo, d, h, mi, s = stamp.YMDhms
    date = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{stamp.dhh:+03d}:{stamp.dmm:02d}"

    def x(value: str) -> str:
        return html.escape(value or "", quote=False)

    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{x(info.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{x(info.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt>
<rdf:li xml:lang="x-default">{x(info.subject)}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>{x(info.creator)}</xmp:CreatorTool>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
<pdf:Producer>{x(info.producer)}</pdf:Producer>
<pdf:Keywords>{x(info.keywords)}</pdf:Keywords>
<pdf:Trapped>False</pdf:Trapped>
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def archival_finish(canvas, *, title: str, subject: str) -> None:
    """Describe the PDF (title, author, subject) and give it what PDF/A-2b asks of its
    catalogue: XMP metadata matching the document information, identified as PDF/A-2b, and
    an sRGB output intent. Call it once per PDF, on any page (``onFirstPage`` of a
    SimpleDocTemplate)."""
    check_printable(title, subject)
    canvas.setTitle(title)
    canvas.setAuthor(AUTHOR)
    canvas.setSubject(subject)
    canvas.setCreator(AUTHOR)
    catalog = canvas._doc.Catalog
    if getattr(catalog, "OutputIntents", None) is not None:
        return
    # ReportLab's catalogue writes only the keys it lists; OutputIntents is not one of them.
    catalog.__NoDefault__ = [*pdfdoc.PDFCatalog.__NoDefault__, "OutputIntents"]
    xmp = pdfdoc.XMP(creator=_xmp)
    xmp.filters = []  # PDF/A: the metadata stream stays readable, unfiltered
    catalog.Metadata = xmp
    profile = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"N": 3}), content=_srgb_profile(), filters=[pdfdoc.PDFZCompress]
    )
    catalog.OutputIntents = pdfdoc.PDFArray(
        [
            pdfdoc.PDFDictionary(
                {
                    "Type": pdfdoc.PDFName("OutputIntent"),
                    "S": pdfdoc.PDFName("GTS_PDFA1"),
                    "OutputConditionIdentifier": pdfdoc.PDFString("sRGB IEC61966-2.1"),
                    "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
                    "DestOutputProfile": canvas._doc.Reference(profile),
                }
            )
        ]
    )


class ArchiveCanvas(Canvas):
    """The canvas for documents with links: PDF/A wants every annotation printable (/F 4)."""

    def linkURL(self, url, rect, *args, **kwargs):
        kwargs.setdefault("F", 4)
        return super().linkURL(url, rect, *args, **kwargs)


# --- ReportLab's ToUnicode map writes a supplementary-plane character as five or six hex
# digits, which no reader understands: text extraction (and search, and copy) loses every
# name from Extensions B–F. PDF's CMap wants UTF-16BE there: a surrogate pair.
def _to_unicode_cmap(fontname, subset):
    cmap = _original_to_unicode_cmap(fontname, [0] * len(subset))
    lines = cmap.split("\n")
    start = lines.index(f"{len(subset)} beginbfchar") + 1
    for i, code in enumerate(subset):
        lines[start + i] = f"<{i:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>"
    return "\n".join(lines)


_original_to_unicode_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap
