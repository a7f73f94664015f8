"""QR codes drawn into the archive's PDFs (plaques, location labels)."""

from __future__ import annotations

from reportlab.graphics.barcode.qr import QrCodeWidget


def qr_draw(page, text: str, *, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` at (x, y), ``size`` wide, its dark modules as filled
    rectangles. (ReportLab's drawing renderer would also select Helvetica, a font no PDF of
    the archive may reference unembedded.)"""
    widget = QrCodeWidget(text)
    x0, y0, x1, _y1 = widget.getBounds()
    page.saveState()
    page.translate(x, y)
    page.scale(size / (x1 - x0), size / (x1 - x0))
    page.translate(-x0, -y0)
    page.setFillColorRGB(0, 0, 0)
    for module in widget.draw().contents:
        if module.fillColor is None:  # the quiet zone's outline
            continue
        page.rect(module.x, module.y, module.width, module.height, stroke=0, fill=1)
    page.restoreState()
