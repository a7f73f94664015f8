"""Materials for the demo project, built through the services: batches of cable, insulation
and cement with their deliveries, witness samples (one failed, that delivery rejected and
removed), usages at locations in building 3, and a provincial spot-check recall notice that
touches the cable. Runs after ``load_demo``; does nothing the second time."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from materials import services
from materials.models import DefectNotice, MaterialCategory
from projects import services as project_services
from projects.demo import DEMO_PROJECT_NAME
from projects.models import Location, Organization, Project, Role
from projects.validators import credit_code_check_char
from storage.fonts import cjk_font, pdf_options

NOTICE_SOURCE = "浙江省住房和城乡建设厅2025年第三季度建设工程材料质量监督抽查通报"

MAKERS = {
    "cable": ("远东电缆有限公司", "91320282250423100"),
    "insulation": ("浙江振申绝热科技股份有限公司", "91330481146983718"),
    "cement": ("浙江红狮水泥股份有限公司", "91330700704503457"),
}
RESULTS = {"pass": "合格", "fail": "不合格"}
LAB = ("杭州市建筑工程质量检测中心有限公司", "91330100470104012")


def _pdf(title: str, *lines: str) -> io.BytesIO:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, **pdf_options())  # no unembedded Helvetica
    page.setFont(cjk_font(), 16)
    page.drawString(72, 770, title)
    page.setFont(cjk_font(), 11)
    for number, line in enumerate(lines):
        page.drawString(72, 740 - 18 * number, line)
    page.save()
    buffer.seek(0)
    buffer.name = f"{title}.pdf"
    return buffer


def _organization(name: str, first17: str, admin) -> Organization:
    code = first17 + credit_code_check_char(first17)
    existing = Organization.objects.filter(credit_code=code).first()
    return existing or project_services.organization_create(
        name=name, credit_code=code, actor=admin
    )


def demo_materials_exist() -> bool:
    return DefectNotice.objects.filter(source=NOTICE_SOURCE).exists()


def demo_materials_load() -> Project | None:
    """Add the demo materials to the demo project; None if they exist or there is no demo."""
    project = Project.objects.filter(name=DEMO_PROJECT_NAME).first()
    if project is None or demo_materials_exist():
        return None
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["admin", "supervisor", "contractor", "regulator"]
        )
    }
    admin, supervisor = users["admin"], users["supervisor"]
    contractor, regulator = users["contractor"], users["regulator"]
    services.material_catalogue_install(actor=admin)
    categories = {c.code: c for c in MaterialCategory.objects.all()}
    makers = {code: _organization(*MAKERS[code], admin) for code in MAKERS}
    lab = _organization(*LAB, admin)
    with transaction.atomic():
        if not project.participations.filter(role=Role.TESTING_LAB).exists():
            project_services.participation_create(
                project=project, organization=lab, role=Role.TESTING_LAB, actor=admin
            )
    inspector = contractor.person
    witness = supervisor.person
    floors = {
        loc.name: loc
        for loc in Location.objects.filter(unit_work__project=project, kind=Location.Kind.FLOOR)
    }

    def batch(code, product, spec, number, produced, **extra):
        made = services.batch_create(
            category=categories[code],
            manufacturer=makers[code],
            product=product,
            model_spec=spec,
            batch_number=number,
            production_date=produced,
            actor=contractor,
            recorded_for=project,
            **extra,
        )
        services.batch_file_add(
            batch=made,
            kind="certificate_of_conformity",
            fileobj=_pdf("产品合格证", f"产品：{product} {spec}", f"批号：{number}"),
            actor=contractor,
        )
        return made

    def deliver(made, quantity, day):
        return services.delivery_create(
            project=project,
            batch=made,
            quantity=Decimal(quantity),
            unit=made.category.unit,
            delivered_on=day,
            inspected_by=inspector,
            actor=contractor,
        )

    def sample(delivery, seal, result, day):
        taken = services.sample_create(
            delivery=delivery,
            seal_number=seal,
            sampling_location="现场材料堆场",
            sampled_on=day,
            sampler=inspector,
            witness=witness,
            testing_lab=lab,
            actor=contractor,
        )
        services.sample_report_add(
            sample=taken,
            report_number=f"HZJC-2025-{seal[-4:]}",
            result=result,
            tested_on=day + datetime.timedelta(days=3),
            fileobj=_pdf(
                "检测报告", f"封样编号：{seal}", f"结论：{'合格' if result == 'pass' else '不合格'}"
            ),
            actor=contractor,
        )

    cable = batch(
        "cable",
        "聚氯乙烯绝缘电缆",
        "BV-450/750V 2.5mm²",
        "YD2508-0117",
        datetime.date(2025, 8, 12),
        ccc_certificate_number="2020010105123456",
    )
    insulation = batch(
        "insulation", "岩棉板", "1200×600×80 A级", "ZS250815", datetime.date(2025, 8, 15)
    )
    cement_good = batch(
        "cement", "普通硅酸盐水泥", "P·O 42.5", "HS250820", datetime.date(2025, 8, 20)
    )
    cement_bad = batch(
        "cement", "普通硅酸盐水泥", "P·O 42.5", "HS250902", datetime.date(2025, 9, 2)
    )

    day = datetime.date(2025, 9, 1)
    cable_delivery = deliver(cable, "3000", day)
    sample(cable_delivery, "FY-2025-0901", "pass", day)
    insulation_delivery = deliver(insulation, "1800", day + datetime.timedelta(days=2))
    sample(insulation_delivery, "FY-2025-0903", "pass", day + datetime.timedelta(days=2))
    cement_delivery = deliver(cement_good, "120", day + datetime.timedelta(days=4))
    sample(cement_delivery, "FY-2025-0905", "pass", day + datetime.timedelta(days=4))
    failed_delivery = deliver(cement_bad, "60", datetime.date(2025, 9, 10))
    sample(failed_delivery, "FY-2025-0910", "fail", datetime.date(2025, 9, 10))
    for delivery in (cable_delivery, insulation_delivery, cement_delivery):
        services.delivery_accept(delivery=delivery, actor=supervisor)
    # Once a delivery is accepted, a batch's file is evidence: a correction is an operator's
    # new version with its reason, and the trace still shows the version current at acceptance.
    services.batch_file_add(
        batch=cable,
        kind="certificate_of_conformity",
        fileobj=_pdf(
            "产品合格证（更正）", "产品：聚氯乙烯绝缘电缆 BV-450/750V 2.5mm²", "批号：YD2508-0117"
        ),
        reason="生产厂家更正合格证检验员签章，原合格证保留为第1版。",
        actor=admin,
    )
    services.delivery_reject(
        delivery=failed_delivery,
        reason="3天抗压强度不合格（检测报告 HZJC-2025-0910），已责令退场。",
        removed_on=datetime.date(2025, 9, 16),
        actor=supervisor,
    )

    used = datetime.date(2025, 10, 8)
    for floor, quantity in (("1层", "420"), ("2层", "380"), ("18层", "300")):
        services.usage_create(
            delivery=cable_delivery,
            location=floors[floor],
            quantity=Decimal(quantity),
            used_on=used,
            actor=contractor,
        )
    services.usage_create(
        delivery=insulation_delivery,
        location=floors["2层"],
        quantity=Decimal("640"),
        used_on=used,
        actor=contractor,
    )
    services.usage_create(
        delivery=cement_delivery,
        location=floors["地下1层"],
        quantity=Decimal("85"),
        used_on=datetime.date(2025, 9, 20),
        actor=contractor,
    )

    notice = services.defect_notice_issue(
        manufacturer=makers["cable"],
        product="聚氯乙烯绝缘电缆",
        batch_number_from="YD2508-0100",
        batch_number_to="YD2508-0199",
        source=NOTICE_SOURCE,
        issued_on=datetime.date(2025, 10, 20),
        description="导体电阻超出 GB/T 5023.3 规定值，存在过热隐患。",
        actor=regulator,
    )
    services.recall_action_open(
        notice=notice,
        project=project,
        kind="stop_use",
        description="剩余电缆封存停止使用，已敷设部位安排复检。",
        actor=supervisor,
    )

    # Work left open, so "my work" is not empty after make run: cement delivered this week,
    # its witness sample at the lab (no report yet), waiting for the supervisor's acceptance.
    cement_new = batch(
        "cement", "普通硅酸盐水泥", "P·O 42.5", "HS251105", datetime.date(2025, 11, 5)
    )
    waiting = deliver(cement_new, "80", datetime.date(2025, 11, 8))
    services.sample_create(
        delivery=waiting,
        seal_number="FY-2025-1108",
        sampling_location="现场材料堆场",
        sampled_on=datetime.date(2025, 11, 8),
        sampler=inspector,
        witness=witness,
        testing_lab=lab,
        actor=contractor,
    )
    return project
