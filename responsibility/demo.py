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
