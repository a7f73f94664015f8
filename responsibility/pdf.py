"""Letters and pledges as A4 PDFs (ReportLab, the embedded font chain of storage/fonts.py),
before the archive signs."""

from __future__ import annotations

import io
from functools import partial

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from storage.fonts import archival_finish, cjk_font, markup, pdf_options


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    body = ParagraphStyle(
        "body", fontName=font, fontSize=11.5, leading=19, wordWrap="CJK", firstLineIndent=23
    )
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6 * mm
        ),
        "number": ParagraphStyle("number", fontName=font, fontSize=9, alignment=2),
        "body": body,
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK"),
    }


def document_pdf(
    *,
    number: str,
    title: str,
    text: str,
    evidence: list[tuple[str, str]],
    signature_png: bytes | None,
) -> bytes:
    """Draw the document: number, title, the exact text, the drawn signature and the evidence
    summary. The text is drawn paragraph by paragraph exactly as stored."""
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        invariant=True,
        **pdf_options(),
    )
    story = [
        Paragraph(markup(f"编号 No. {number}"), styles["number"]),
        Paragraph(markup(title), styles["title"]),
    ]
    for paragraph in text.split("\n"):
        if paragraph.strip():
            story.append(Paragraph(markup(paragraph), styles["body"]))
        else:
            story.append(Spacer(1, 3 * mm))
    story.append(Spacer(1, 6 * mm))
    if signature_png:
        image = Image(io.BytesIO(signature_png))
        scale = min(60 * mm / image.imageWidth, 22 * mm / image.imageHeight, 1)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "RIGHT"
        story.append(image)
    rows = [
        [Paragraph(markup(k), styles["small"]), Paragraph(markup(v), styles["small"])]
        for k, v in evidence
    ]
    table = Table(rows, colWidths=[45 * mm, 121 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), cjk_font()),  # not Helvetica, unembedded
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(markup("签署证据 / Signing evidence"), styles["small"]))
    story.append(table)
    finish = partial(archival_finish, title=f"{title} {number}", subject=title)
    doc.build(story, onFirstPage=lambda canvas, _doc: finish(canvas))
    return out.getvalue()
