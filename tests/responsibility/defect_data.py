"""A building with evidence to trace, for the defect-case and trace tests.

3号楼 (started 2025-03-01, completed 2025-12-20, 50 years) → 5层 → 5层A轴柱. An inspection
lot of 5层 (its chain up to the unit work), signed by alice and the contractor's quality
inspector quinn and accepted, with a photo; a lot of 6层 that must not appear; cable from
an accepted delivery (witnessed sample, test report) used in 5层A轴柱 under that lot; the
contractor's lead replaced on 2025-06-01, after the work.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.db import transaction

from inspections import services as inspections
from ledger.services import ledger_append
from materials import services as materials
from materials.models import MaterialCategory
from projects import services as projects
from projects.models import Project, Role
from tests.conftest import PASSWORD, credit_code, id_number, lead_of, organization_of
from tests.storage.samples import jpeg, pdf

WORK_DAY = datetime.date(2025, 4, 10)


def named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def cases_url(project, case=None, action=""):
    url = f"/api/v1/projects/{project.pk}/defect-cases/"
    if case is None:
        return url
    case_id = case if isinstance(case, int) else case["id"] if isinstance(case, dict) else case.pk
    return f"{url}{case_id}/{action}"


def build_site(project, admin, *, name="3号楼", floors=("5层", "6层")):
    # Straight to construction, past the gates (tested in their own modules), but in the
    # ledger like any stage change, so the archive still verifies.
    with transaction.atomic():
        project.stage = Project.Stage.UNDER_CONSTRUCTION
        project.save(update_fields=["stage"])
        ledger_append(record=project, action="state", actor=admin)
    unit_work = projects.unit_work_create(
        project=project,
        name=name,
        structure_type="shear_wall",
        floors_above=18,
        gross_area=Decimal("12850.50"),
        design_service_life_years=50,
        start_date=datetime.date(2025, 3, 1),
        completion_date=datetime.date(2025, 12, 20),
        actor=admin,
    )
    unit = projects.location_create(unit_work=unit_work, kind="unit", name=name, actor=admin)
    floor_locations = [
        projects.location_create(
            unit_work=unit_work, parent=unit, kind="floor", name=floor, actor=admin
        )
        for floor in floors
    ]
    return unit_work, unit, floor_locations


def record_chain(project, unit_work, admin, floor, *, title):
    def make(level, record_title, parent=None, **extra):
        return inspections.record_create(
            project=project,
            unit_work=unit_work,
            level=level,
            parent=parent,
            title=record_title,
            date=WORK_DAY,
            actor=admin,
            **extra,
        )

    unit = make("unit", f"{unit_work.name}单位工程")
    division = make("division", "主体结构分部", unit, division_kind="main_structure")
    sub_item = make("sub_item", "钢筋分项", division)
    lot = make("inspection_lot", title, sub_item, locations=[floor])
    return {"unit": unit, "division": division, "sub_item": sub_item, "lot": lot}


def site_build(project, admin, alice, leo, quinn) -> dict:
    """The traced building and its evidence (the ``site`` fixture of the responsibility tests)."""
    unit_work, unit, (floor5, floor6) = build_site(project, admin)
    column = projects.location_create(
        unit_work=unit_work, parent=floor5, kind="element", name="5层A轴柱", actor=admin
    )
    chain = record_chain(project, unit_work, admin, floor5, title="5层柱钢筋安装检验批")
    lot = chain["lot"]
    photo, _created = inspections.photo_ingest(
        subject=lot, fileobj=named(jpeg(), "rebar.jpg"), actor=alice, caption="5层柱钢筋"
    )
    inspections.record_submit(record=lot, actor=quinn)
    inspections.record_sign(record=lot, user=alice, password=PASSWORD)
    inspections.record_sign(record=lot, user=quinn, password=PASSWORD)
    inspections.record_accept(record=lot, actor=alice)
    other = inspections.record_create(
        project=project,
        unit_work=unit_work,
        level="inspection_lot",
        parent=chain["sub_item"],
        title="6层柱钢筋安装检验批",
        date=WORK_DAY,
        locations=[floor6],
        actor=admin,
    )

    materials.material_catalogue_install()
    cable = MaterialCategory.objects.get(code="cable")
    maker = projects.organization_create(
        name="远东电缆有限公司", credit_code=credit_code("91320282250423100"), actor=admin
    )
    lab = projects.organization_create(
        name="杭州市建筑工程质量检测中心", credit_code=credit_code("12330100470104012"), actor=admin
    )
    projects.participation_create(
        project=project, organization=lab, role=Role.TESTING_LAB, actor=admin
    )
    batch = materials.batch_create(
        category=cable,
        manufacturer=maker,
        product="聚氯乙烯绝缘电缆",
        model_spec="BV-450/750V 2.5mm²",
        batch_number="B2503-017",
        production_date=datetime.date(2025, 3, 10),
        ccc_certificate_number="2020010105123456",
        actor=admin,
    )
    contractor = lead_of(project, Role.CONTRACTOR).person
    delivery = materials.delivery_create(
        project=project,
        batch=batch,
        quantity=Decimal("1000"),
        unit=cable.unit,
        delivered_on=datetime.date(2025, 4, 1),
        inspected_by=contractor,
        actor=leo,
    )
    sample = materials.sample_create(
        delivery=delivery,
        seal_number="FY-0001",
        sampling_location="现场材料堆场",
        sampled_on=datetime.date(2025, 4, 1),
        sampler=contractor,
        witness=alice.person,
        testing_lab=lab,
        actor=leo,
    )
    report = materials.sample_report_add(
        sample=sample,
        report_number="HZJC-2025-0417",
        result="pass",
        tested_on=datetime.date(2025, 4, 4),
        fileobj=named(pdf("Test report HZJC-2025-0417"), "report.pdf"),
        actor=leo,
    )
    delivery = materials.delivery_accept(delivery=delivery, actor=alice)
    usage = materials.usage_create(
        delivery=delivery,
        location=column,
        quantity=Decimal("120"),
        used_on=WORK_DAY,
        acceptance_record=lot,
        actor=leo,
    )
    successor = projects.person_create(
        name="周新民",
        id_number=id_number("33018319870101241"),
        organization=organization_of(project, Role.CONTRACTOR),
        practice_qualification="registered_constructor",
        practice_cert_no="浙1332017201701111",
        actor=admin,
    )
    projects.lead_tenure_replace(
        tenure=lead_of(project, Role.CONTRACTOR),
        person=successor,
        effective_date=datetime.date(2025, 6, 1),
        reason="工作调动",
        actor=admin,
    )
    return {
        "unit_work": unit_work,
        "unit": unit,
        "floor5": floor5,
        "floor6": floor6,
        "column": column,
        "chain": chain,
        "other_lot": other,
        "photo": photo,
        "batch": batch,
        "delivery": delivery,
        "sample": sample,
        "report": report,
        "usage": usage,
        "maker": maker,
        "lab": lab,
    }


def open_body(site, **changes):
    body = {
        "unit_work": site["unit_work"].pk,
        "location": site["column"].pk,
        "discovered_on": "2026-03-02",
        "description": "5层A轴柱出现竖向裂缝，宽约0.3毫米",
        "category": "structure",
        "trigger": "serious_problem",
    }
    return {**body, **changes}
