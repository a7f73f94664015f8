"""A change of the contractor's lead on the ``project`` fixture, for the signer pages.

The new lead (user ``newlead``, 吴振华) takes over from 李国强 on ``effective_date``; their
pledge and the letter naming them (signed by the contractor's legal representative) are
prepared, and are due the region's working days after the change.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from projects import services
from projects.models import Membership, Person, Role
from responsibility import services as responsibility
from tests.conftest import PASSWORD, id_number, lead_of, organization_of

NEW_LEAD = "吴振华"


def lead_change(
    project,
    admin,
    effective_date: datetime.date,
    *,
    role: Role = Role.CONTRACTOR,
    name: str = NEW_LEAD,
    username: str = "newlead",
    id17: str = "33010619860412133",
) -> dict:
    """The ``role``'s lead replaced by a new person with a login, as the owner records it;
    (the contractor's new lead holds the registered-constructor qualification it needs)."""
    organization = organization_of(project, role)
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    qualified = role == Role.CONTRACTOR
    person = services.person_create(
        name=name,
        id_number=id_number(id17),
        organization=organization,
        practice_qualification=Person.PracticeQualification.REGISTERED_CONSTRUCTOR
        if qualified
        else Person.PracticeQualification.NONE,
        practice_cert_no="浙1332016201705678" if qualified else "",
        user=user,
        actor=admin,
    )
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.PROJECT_LEAD,
        organization=organization,
        actor=admin,
    )
    tenure = services.lead_tenure_replace(
        tenure=lead_of(project, role),
        person=person,
        effective_date=effective_date,
        reason="原项目经理调任其他项目",
        actor=admin,
    )
    documents = {
        kind: responsibility.document_prepare(project=project, role=role, kind=kind, actor=admin)
        for kind in ("letter", "pledge")
    }
    return {"user": user, "person": person, "tenure": tenure, **documents}
