"""A project with something open of every kind, on top of the responsibility tests' traced
building (tests/responsibility/defect_data.py): who sees what on "my work", the project page
and its defect cases.

- a delivery waiting for acceptance, one with a sample and no report (also waiting), one
  blocked by a failed test;
- an inspection lot submitted by quinn that needs alice's and quinn's sign-offs, with a
  photo taken far from the site (alice's upload); another lot returned to quinn;
- the owner's authorization letter waiting for olga's signature;
- the contractor's lead change of 2025-06-01, its letter and pledge long overdue;
- an open defect case on the 5th-floor column with a photo.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest

from inspections import services as inspections
from jobs.engine import run_queued
from materials import services as materials
from projects.models import Role
from responsibility import defects
from responsibility import services as responsibility
from tests.conftest import PASSWORD, lead_of
from tests.inspections.photos import exif, jpeg
from tests.responsibility.defect_data import WORK_DAY, named, site_build
from tests.storage.samples import pdf

BEIJING = (39.9042, 116.4074)


def photo(name: str, **exif_changes) -> io.BytesIO:
    data = jpeg(exif_data=exif(taken=WORK_DAY.strftime("%Y:%m:%d 10:00:00"), **exif_changes))
    return named(data, name)


def waiting_delivery(desk, *, day=datetime.date(2025, 5, 6), quantity="200"):
    return materials.delivery_create(
        project=desk["project"],
        batch=desk["batch"],
        quantity=Decimal(quantity),
        unit=desk["batch"].category.unit,
        delivered_on=day,
        inspected_by=desk["contractor"],
        actor=desk["leo"],
    )


def sampled(desk, delivery, *, result=None):
    taken = materials.sample_create(
        delivery=delivery,
        seal_number=f"FY-{delivery.pk:04d}",
        sampling_location="现场材料堆场",
        sampled_on=delivery.delivered_on,
        sampler=desk["contractor"],
        witness=desk["alice"].person,
        testing_lab=desk["lab"],
        actor=desk["leo"],
    )
    if result is not None:
        materials.sample_report_add(
            sample=taken,
            report_number=f"HZJC-{taken.pk:04d}",
            result=result,
            tested_on=delivery.delivered_on + datetime.timedelta(days=3),
            fileobj=named(pdf("Test report"), "report.pdf"),
            actor=desk["leo"],
        )
    return taken


def submitted_lot(desk, title: str):
    lot = inspections.record_create(
        project=desk["project"],
        unit_work=desk["unit_work"],
        level="inspection_lot",
        parent=desk["chain"]["sub_item"],
        title=title,
        date=WORK_DAY,
        locations=[desk["floor6"]],
        actor=desk["admin"],
    )
    return inspections.record_submit(record=lot, actor=desk["quinn"])


def returned_lot(desk, title: str):
    lot = submitted_lot(desk, title)
    return inspections.record_return(record=lot, reasons="钢筋间距不符", actor=desk["alice"])


def more_of_everything(desk, count: int) -> None:
    """``count`` more items of each kind alice works on (for constant query counts)."""
    for n in range(count):
        waiting_delivery(desk, quantity=str(10 + n))
        sampled(desk, waiting_delivery(desk, quantity=str(20 + n)))
        sampled(desk, waiting_delivery(desk, quantity=str(30 + n)), result="fail")
        submitted_lot(desk, f"{7 + n}层柱钢筋安装检验批")
        returned_lot(desk, f"{7 + n}层梁钢筋安装检验批")


@pytest.fixture
def desk(project, admin, alice, leo, quinn, olga):
    site = site_build(project, admin, alice, leo, quinn)
    desk = {
        **site,
        "project": project,
        "admin": admin,
        "alice": alice,
        "leo": leo,
        "quinn": quinn,
        "olga": olga,
        "contractor": lead_of(project, Role.CONTRACTOR).person,
    }
    desk["waiting"] = waiting_delivery(desk)
    desk["unreported"] = sampled(desk, waiting_delivery(desk, quantity="300"))
    desk["blocked"] = waiting_delivery(desk, quantity="400")
    sampled(desk, desk["blocked"], result="fail")
    desk["to_sign"] = submitted_lot(desk, "6层柱钢筋安装检验批（复验）")
    desk["far_photo"], _ = inspections.photo_ingest(
        subject=desk["to_sign"], fileobj=photo("far.jpg", gps=BEIJING), actor=alice
    )
    desk["returned"] = inspections.record_return(
        record=inspections.record_submit(record=site["other_lot"], actor=quinn),
        reasons="钢筋间距不符",
        actor=alice,
    )
    desk["letter"] = responsibility.document_prepare(
        project=project, role=Role.OWNER, kind="letter", actor=admin
    )
    desk["case"] = defects.defect_case_open(
        project=project,
        unit_work=site["unit_work"],
        location=site["column"],
        discovered_on=datetime.date(2026, 3, 2),
        description="5层A轴柱出现竖向裂缝，宽约0.3毫米",
        category="structure",
        trigger="serious_problem",
        actor=alice,
    )
    desk["case_photo"], _ = defects.defect_case_photo_add(
        case=desk["case"], fileobj=photo("crack.jpg"), caption="裂缝", actor=alice
    )
    run_queued()  # the photos' previews and thumbnails
    return desk


__all__ = ["PASSWORD", "desk", "more_of_everything"]
