"""Signed letters and pledges for the demo project, called by projects/demo.py.

The demo's signers sign through the same service as everyone else; their evidence says
plainly that the demo loader signed for them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from projects import services as project_services
from projects.models import MANDATORY_ROLES, Membership, Project
from projects.validators import id_number_check_char
from responsibility import services
from responsibility.models import DocumentKind

# role: (legal representative's name, first 17 digits of their ID number)
LEGAL_REPRESENTATIVES = {
    "survey": ("钱永康", "33010619650312001"),
    "design": ("孙伟民", "33010519660518002"),
    "contractor": ("郑国华", "33018319630722003"),
    "supervisor": ("冯志远", "33010219680910004"),
}


def _login(username: str, password: str):
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(password)
        user.save()
    return user


def demo_sign_all(*, project: Project, admin, password: str) -> None:
    """Give every signer a login and sign each role's letter and pledge."""
    context = services.SigningContext(
        ip_address=None,
        user_agent="load_demo",
        auth_method="demo data: signed by the demo loader",
        reauthenticated_at=timezone.now(),
    )
    for role in MANDATORY_ROLES:
        tenure = project.lead_tenures.select_related("person", "participation__organization").get(
            role=role, end_date__isnull=True
        )
        organization = tenure.participation.organization
        if organization.legal_representative is None:
            name, first17 = LEGAL_REPRESENTATIVES[role]
            user = _login(f"{role}-rep", password)
            representative = project_services.person_create(
                name=name,
                id_number=first17 + id_number_check_char(first17),
                organization=organization,
                user=user,
                actor=admin,
            )
            project_services.organization_update(
                organization=organization, legal_representative=representative, actor=admin
            )
            project_services.membership_create(
                user=user,
                project=project,
                role=Membership.Role.LEGAL_REPRESENTATIVE,
                organization=organization,
                actor=admin,
            )
        if tenure.person.user is None:
            user = _login(f"{role}-lead", password)
            project_services.person_update(person=tenure.person, user=user, actor=admin)
            # A lead in office sees the project they answer for, and what they must sign.
            project_services.membership_create(
                user=user,
                project=project,
                role=Membership.Role.PROJECT_LEAD,
                organization=tenure.participation.organization,
                actor=admin,
            )
        for kind in (DocumentKind.LETTER, DocumentKind.PLEDGE):
            document = services.document_prepare(project=project, role=role, kind=kind, actor=admin)
            services.document_sign(
                document=document, user=document.signer.user, consent=True, context=context
            )


def demo_draft_to_sign(*, project: Project, admin) -> None:
    """Leave one document waiting, so the design lead's "what I must sign" is not empty
    after ``make run``: a correction of their pledge (the signed one stays in force)."""
    pledge = project.responsibility_documents.get(
        participation__role="design", kind=DocumentKind.PLEDGE, status="signed"
    )
    services.document_correct(document=pledge, actor=admin)


# --- A defect case for the demo (after load_demo and load_demo_materials) ---

DEFECT_LOCATION = "2层"


def demo_defect_case_load():
    """Open a defect case at the demo building's 2nd floor, where the demo has cable and
    insulation usages and accepted inspection lots with photos, so its trace has something
    in every section. Opened by the demo regulator; None when there is one already or the
    demo project, its 2nd floor or its materials are missing."""
    import datetime

    from inspections.demo import site_photo
    from materials.models import Usage
    from projects.demo import DEMO_PROJECT_NAME
    from projects.models import Location
    from responsibility.defects import defect_case_open, defect_case_photo_add
    from responsibility.models import DefectCase

    project = Project.objects.filter(name=DEMO_PROJECT_NAME).first()
    if project is None or DefectCase.objects.filter(project=project).exists():
        return None
    location = (
        Location.objects.filter(unit_work__project=project, kind="floor", name=DEFECT_LOCATION)
        .select_related("unit_work")
        .first()
    )
    if (
        location is None
        or not Usage.objects.filter(location__unit_work=location.unit_work).exists()
    ):
        return None
    regulator = get_user_model().objects.get(username="regulator")
    case = defect_case_open(
        project=project,
        unit_work=location.unit_work,
        location=location,
        discovered_on=min(datetime.date(2026, 6, 15), timezone.localdate()),
        description="2层Q3剪力墙及楼板出现斜向裂缝，局部渗水；电线管附近墙面发热变色。",
        category=DefectCase.Category.STRUCTURE,
        trigger=DefectCase.Trigger.SERIOUS_PROBLEM,
        actor=regulator,
    )
    # The regulator's site photo of the crack: the case page shows it, on legal hold.
    defect_case_photo_add(
        case=case,
        fileobj=site_photo("2层Q3剪力墙斜向裂缝", seed=41),
        caption="2层Q3剪力墙斜向裂缝",
        actor=regulator,
    )
    return case


# --- A completed project for the demo: accepted to completion, plaque frozen and installed ---

COMPLETED_PROJECT_NAME = "杭州市滨江区某幼儿园"


def demo_completed_project_load():
    """A second demo project, with the same five parties and leads, whose work is accepted
    from an inspection lot up to completion acceptance, so its plaque is frozen (and
    installed, with a photo) and its public page can be opened. None when it exists already
    or the demo project is missing."""
    import datetime
    from decimal import Decimal

    from django.db import transaction

    from inspections import services as inspections
    from inspections.demo import INSPECTOR_USERNAME, site_photo
    from inspections.services import LEAD_ROLES, required_capacities
    from projects.demo import DEMO_PASSWORD, DEMO_PROJECT_NAME
    from projects.models import UnitWork
    from responsibility import plaques

    demo = Project.objects.filter(name=DEMO_PROJECT_NAME).first()
    if demo is None or Project.objects.filter(name=COMPLETED_PROJECT_NAME).exists():
        return None
    users = get_user_model().objects
    admin = users.get(username="admin")
    supervisor = users.get(username="supervisor")
    inspector = users.filter(username=INSPECTOR_USERNAME).first()
    if inspector is None:
        return None
    staff = {"supervising_engineer": supervisor, "quality_inspector": inspector}
    with transaction.atomic():
        project = project_services.project_create(
            name=COMPLETED_PROJECT_NAME,
            jurisdiction_code=demo.jurisdiction_code,
            address="浙江省杭州市滨江区西兴街道官河路以东",
            actor=admin,
        )
        for role in MANDATORY_ROLES:
            tenure = demo.lead_tenures.select_related("participation").get(
                role=role, end_date__isnull=True
            )
            project_services.participation_create(
                project=project,
                organization=tenure.participation.organization,
                role=role,
                actor=admin,
            )
            project_services.lead_tenure_open(
                project=project,
                role=role,
                person=tenure.person,
                start_date=datetime.date(2024, 2, 1),
                actor=admin,
            )
        for membership in demo.memberships.filter(role=Membership.Role.SITE_SUPERVISOR):
            project_services.membership_create(
                user=membership.user,
                project=project,
                role=membership.role,
                organization=membership.organization,
                actor=admin,
            )
        demo_sign_all(project=project, admin=admin, password=DEMO_PASSWORD)
        project_services.project_update(
            project=project, permit_number="330108202402260017", actor=admin
        )
        for stage in (Project.Stage.UNDER_SUPERVISION, Project.Stage.UNDER_CONSTRUCTION):
            project_services.project_stage_advance(project=project, to_stage=stage, actor=admin)
        unit_work = project_services.unit_work_create(
            project=project,
            name="幼儿园主楼",
            structure_type=UnitWork.StructureType.FRAME,
            floors_above=3,
            gross_area=Decimal("3620.00"),
            design_service_life_years=50,
            start_date=datetime.date(2024, 3, 18),
            completion_date=datetime.date(2025, 8, 30),
            actor=admin,
        )
        project_services.location_create(
            unit_work=unit_work, kind="unit", name="幼儿园主楼", actor=admin
        )

        def sign_and_accept(record):
            inspections.record_submit(record=record, actor=inspector)
            for capacity in required_capacities(record):
                signer = staff.get(capacity) or (
                    project.lead_tenures.get(
                        role=LEAD_ROLES[capacity], end_date__isnull=True
                    ).person.user
                )
                inspections.record_sign(
                    record=record, user=signer, password=DEMO_PASSWORD, capacity=capacity
                )
            return inspections.record_accept(record=record, actor=supervisor)

        def record(level, title, day, parent=None, **extra):
            return inspections.record_create(
                project=project,
                unit_work=None if level == "completion" else unit_work,
                level=level,
                parent=parent,
                title=title,
                date=day,
                actor=supervisor,
                **extra,
            )

        unit = record("unit", "幼儿园主楼单位工程", datetime.date(2025, 8, 20))
        division = record(
            "division",
            "主体结构分部工程",
            datetime.date(2024, 9, 10),
            unit,
            division_kind="main_structure",
        )
        sub_item = record("sub_item", "混凝土分项工程", datetime.date(2024, 9, 5), division)
        lot = record(
            "inspection_lot", "3层框架柱混凝土浇筑检验批", datetime.date(2024, 9, 2), sub_item
        )
        for done in (lot, sub_item, division, unit):
            sign_and_accept(done)
        # Completion acceptance (竣工验收) by all five leads: the project moves to
        # "completion accepted" and the plaque is frozen.
        sign_and_accept(record("completion", "幼儿园工程竣工验收", datetime.date(2025, 8, 30)))
        plaque = unit_work.plaque
        plaques.plaque_install_record(
            plaque=plaque,
            installed_on=timezone.localdate(),
            position="主入口东侧外墙，距地 1.5 m",
            material="不锈钢蚀刻",
            installed_by="浙江宏业建设集团有限公司",
            photos=[site_photo("永久性标牌", seed=11)],
            actor=supervisor,
        )
    return project
