"""A project brought to completion acceptance the way the archive records it: letters and
pledges signed, the unit work's acceptance signed by the five leads and accepted, then the
completion acceptance submitted and signed by as many leads as a test asks for."""

from __future__ import annotations

import datetime
from decimal import Decimal

from inspections import services as inspections
from inspections.models import AcceptanceRecord
from inspections.services import LEAD_ROLES, required_capacities
from projects import services
from projects.models import UnitWork
from tests.conftest import PASSWORD
from tests.responsibility.conftest import sign_all


def unit_work_build(project, admin, name="3号楼") -> UnitWork:
    return services.unit_work_create(
        project=project,
        name=name,
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        gross_area=Decimal("12036.50"),
        design_service_life_years=50,
        start_date=datetime.date(2025, 4, 18),
        completion_date=datetime.date(2026, 10, 30),
        actor=admin,
    )


def _sign(record, signers, capacities):
    for capacity in capacities:
        user = signers[LEAD_ROLES[capacity]]["lead"]
        inspections.record_sign(record=record, user=user, password=PASSWORD, capacity=capacity)


def completion_build(
    project, signers, admin, unit_works, *, signed: int = 5, letters: bool = True
) -> AcceptanceRecord:
    """The completion acceptance, submitted and signed by the first ``signed`` leads (not
    accepted: ``inspections.services.record_accept`` does that). Without ``letters`` the
    letters and pledges are not signed: the caller has opened the gate (``gates_open``)."""
    if letters:
        sign_all(project, signers)
    for stage in ("under_supervision", "under_construction"):
        services.project_stage_advance(project=project, to_stage=stage, actor=admin)
    for unit_work in unit_works:
        unit = inspections.record_create(
            project=project,
            unit_work=unit_work,
            level="unit",
            title=f"{unit_work.name}单位工程",
            date=datetime.date(2026, 10, 20),
            actor=admin,
        )
        inspections.record_submit(record=unit, actor=admin)
        _sign(unit, signers, required_capacities(unit))
        inspections.record_accept(record=unit, actor=admin)
    record = inspections.record_create(
        project=project,
        level="completion",
        title="竣工验收",
        date=datetime.date(2026, 10, 30),
        actor=admin,
    )
    inspections.record_submit(record=record, actor=admin)
    _sign(record, signers, required_capacities(record)[:signed])
    return record


def gates_open(monkeypatch) -> None:
    """Let the project through its stage gates without signing its ten letters and pledges
    (ten signed PDFs per set-up): for tests of what comes after, not of the gates."""
    monkeypatch.setattr(services, "STAGE_GATES", {})


def _dark_cells(cells) -> set[tuple[int, int]]:
    cells = list(cells)
    rows = min(r for r, _c in cells)
    cols = min(c for _r, c in cells)
    return {(r - rows, c - cols) for r, c in cells}


def qr_cells_in_pdf(data: bytes) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn on the first page of a plaque PDF, read back
    from its content stream (reportlab draws each run of dark modules as one rectangle)."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    page = PdfReader(io.BytesIO(data)).pages[0]
    content = ContentStream(page.get_contents(), page.pdf)
    rects = [[float(v) for v in operands] for operands, op in content.operations if op == b"re"]
    box = min(h for _x, _y, _w, h in rects if h > 0)
    modules = [r for r in rects if abs(r[3] - box) < box / 100]
    top = max(y for _x, y, _w, _h in modules)
    cells = set()
    for x, y, w, _h in modules:
        row, col = round((top - y) / box), round(x / box)
        cells.update((row, col + i) for i in range(round(w / box)))
    return _dark_cells(cells)


def qr_cells_for(text: str) -> set[tuple[int, int]]:
    """The dark modules of a QR code of ``text``, as reportlab encodes it."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(text)
    widget.qr.make()
    return _dark_cells(
        (r, c) for r, row in enumerate(widget.qr.modules) for c, dark in enumerate(row) if dark
    )
