"""Location labels for the site: an A4 sheet of QR labels, one per location of a unit work
(or of one floor or zone of it), each opening that location's capture page on a phone.

A label carries the capture page's absolute URL (``PUBLIC_BASE_URL``), the location's full
path, the project's name and a short code to type when no camera reads it. The short code is
the location's number and a Damm check digit (``1234-5``): digits only, for a phone's number
pad, and a mistyped or swapped digit is caught instead of opening another location.

The sheet is drawn on request, not stored: it is a working print of the location tree as it
is today, not evidence (the records made from the capture page are).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from projects import selectors
from projects.models import Location, Project, UnitWork
from storage.fonts import (
    ArchiveCanvas,
    archival_finish,
    cjk_font,
    draw_string,
    markup,
    pdf_options,
)
from storage.qr import qr_draw

# Damm's quasigroup of order 10: one check digit that catches every single-digit error and
# every swap of two neighbouring digits.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_CODE = re.compile(r"^\s*(\d{1,12})\s*[-–— ]?\s*(\d)\s*$")

# The sheet: A4 portrait, 2 × 4 labels of 95 × 69 mm (cut along the grey lines), each with a
# 44 mm QR code — read by a phone from an arm's length, on a ladder.
COLUMNS, ROWS = 2, 4
MARGIN_X, MARGIN_Y = 10 * mm, 10.5 * mm
LABEL_W = (A4[0] - 2 * MARGIN_X) / COLUMNS
LABEL_H = (A4[1] - 2 * MARGIN_Y) / ROWS
QR_SIZE = 44 * mm
PAD = 4 * mm


def _damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def label_code(location: Location) -> str:
    """The short code printed under the QR code: ``<location number>-<check digit>``."""
    return label_code_text(location.pk)


def location_id_from_code(code: str) -> int:
    """The location number a typed short code stands for; a code that is not one, or whose
    check digit does not match (a digit mistyped or two swapped), is refused saying so."""
    match = _CODE.match(code or "")
    if match is None:
        raise ValidationError(
            _(
                "“%(code)s” is not a label code. A label code is the number under the QR"
                " code, digits, a dash and one more digit, like 1234-5."
            )
            % {"code": (code or "").strip()[:40]},
            code="not_a_code",
        )
    number, check = match.groups()
    if _damm(number + check) != 0:
        raise ValidationError(
            _(
                "The code %(code)s has a wrong last digit: a digit was probably mistyped or"
                " two were swapped. Type the code again as it is printed on the label."
            )
            % {"code": f"{number}-{check}"},
            code="bad_check_digit",
        )
    return int(number)


def location_capture_path(location: Location) -> str:
    """The location's capture page (built by the offline capture app), its project and
    location preset."""
    return f"/projects/{location.unit_work.project_id}/locations/{location.pk}/capture/"


def location_capture_url(location: Location) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + location_capture_path(location)


def public_origin() -> str:
    """The scheme, host and port of ``PUBLIC_BASE_URL``: the origin every label's URL has."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def label_code_text(location_id: int) -> str:
    return f"{location_id}-{_damm(str(location_id))}"


@dataclass(frozen=True)
class Label:
    location: Location
    path: str  # the full path in the tree: 3号楼 / 5层 / A区
    url: str
    code: str


def labels_for(*, unit_work: UnitWork, under: Location | None = None) -> list[Label]:
    """One label per location of ``unit_work`` in tree order, or of ``under`` and everything
    below it (a floor's or a zone's sheet)."""
    ordered = selectors.locations_in_tree_order(unit_work=unit_work)
    names: dict[int, str] = {}
    labels = []
    inside = under is None
    depth_of_under = None
    for location, depth in ordered:
        location.unit_work = unit_work
        parent_path = names.get(location.parent_id)
        names[location.pk] = f"{parent_path} / {location.name}" if parent_path else location.name
        if under is not None:
            if location.pk == under.pk:
                inside, depth_of_under = True, depth
            elif inside and depth <= depth_of_under:
                inside = False
        if inside:
            labels.append(
                Label(
                    location=location,
                    path=names[location.pk],
                    url=location_capture_url(location),
                    code=label_code(location),
                )
            )
    return labels


def labels_pdf_draw(*, project: Project, unit_work: UnitWork, labels: list[Label]) -> bytes:
    """The A4 sheets of ``labels``, eight a page: every text through the archive's embedded
    fonts (a name no font can show refuses the sheet, ``MissingGlyph``)."""
    out = io.BytesIO()
    page = ArchiveCanvas(out, pagesize=A4, invariant=True, **pdf_options())
    archival_finish(
        page,
        title=f"{project.name} {unit_work.name} 部位标签",
        subject="部位二维码标签 Location labels",
    )
    path_style = ParagraphStyle(
        "path", fontName=cjk_font(), fontSize=12, leading=15, wordWrap="CJK"
    )
    small_style = ParagraphStyle(
        "small", fontName=cjk_font(), fontSize=7.5, leading=9.5, wordWrap="CJK"
    )
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(labels), 1), per_page):
        _cut_lines(page)
        for slot, label in enumerate(labels[start : start + per_page]):
            column, row = slot % COLUMNS, slot // COLUMNS
            x = MARGIN_X + column * LABEL_W
            y = A4[1] - MARGIN_Y - (row + 1) * LABEL_H
            _label_draw(page, label, x, y, project, path_style, small_style)
        draw_string(
            page,
            MARGIN_X,
            MARGIN_Y / 2,
            f"{project.name} · {unit_work.name} · 第 {start // per_page + 1} 页",
            7,
        )
        page.showPage()
    page.save()
    return out.getvalue()


def _cut_lines(page) -> None:
    page.saveState()
    page.setStrokeColorRGB(0.7, 0.7, 0.7)
    page.setLineWidth(0.3)
    page.setDash(2, 2)
    for column in range(COLUMNS + 1):
        x = MARGIN_X + column * LABEL_W
        page.line(x, MARGIN_Y, x, A4[1] - MARGIN_Y)
    for row in range(ROWS + 1):
        y = MARGIN_Y + row * LABEL_H
        page.line(MARGIN_X, y, A4[0] - MARGIN_X, y)
    page.restoreState()


def _label_draw(page, label: Label, x, y, project, path_style, small_style) -> None:
    qr_draw(page, label.url, x=x + PAD, y=y + LABEL_H - PAD - QR_SIZE, size=QR_SIZE)
    draw_string(page, x + PAD + QR_SIZE / 2, y + PAD + 3 * mm, label.code, 13, align="centre")
    draw_string(page, x + PAD + QR_SIZE / 2, y + PAD + 9 * mm, "手动输入编号", 6.5, align="centre")
    text_x = x + 2 * PAD + QR_SIZE
    text_w = LABEL_W - 3 * PAD - QR_SIZE
    top = y + LABEL_H - PAD
    kind = Paragraph(markup(label.location.get_kind_display()), small_style)
    _, height = kind.wrap(text_w, LABEL_H)
    top -= height
    kind.drawOn(page, text_x, top)
    # A long path (an element deep in the tree) gets a smaller size rather than running
    # into the project's name below it.
    room = top - (y + PAD + 22 * mm)
    for size in (12, 10, 8, 6.5):
        style = ParagraphStyle("path", parent=path_style, fontSize=size, leading=size * 1.25)
        path = Paragraph(markup(label.path), style)
        _, height = path.wrap(text_w, LABEL_H)
        if height <= room:
            break
    top -= height + 1 * mm
    path.drawOn(page, text_x, top)
    name = Paragraph(markup(project.name), small_style)
    _, height = name.wrap(text_w, LABEL_H)
    name.drawOn(page, text_x, y + PAD + 9 * mm)
    hint = Paragraph(markup("扫码记录此部位 · Scan to record here"), small_style)
    hint.wrap(text_w, LABEL_H)
    hint.drawOn(page, text_x, y + PAD)
