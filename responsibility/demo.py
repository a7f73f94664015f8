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
        for kind in (DocumentKind.LETTER, DocumentKind.PLEDGE):
            document = services.document_prepare(project=project, role=role, kind=kind, actor=admin)
            services.document_sign(
                document=document, user=document.signer.user, consent=True, context=context
            )


# --- A defect case for the demo (after load_demo and load_demo_materials) ---

DEFECT_LOCATION = "2层"


def demo_defect_case_load():
    """Open a defect case at the demo building's 2nd floor, where the demo has cable and
    insulation usages and accepted inspection lots with photos, so its trace has something
    in every section. Opened by the demo regulator; None when there is one already or the
    demo project, its 2nd floor or its materials are missing."""
    import datetime

    from materials.models import Usage
    from projects.demo import DEMO_PROJECT_NAME
    from projects.models import Location
    from responsibility.defects import defect_case_open
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
    return defect_case_open(
        project=project,
        unit_work=location.unit_work,
        location=location,
        discovered_on=min(datetime.date(2026, 6, 15), timezone.localdate()),
        description="2层Q3剪力墙及楼板出现斜向裂缝，局部渗水；电线管附近墙面发热变色。",
        category=DefectCase.Category.STRUCTURE,
        trigger=DefectCase.Trigger.SERIOUS_PROBLEM,
        actor=regulator,
    )
