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


def lead_change(project, admin, effective_date: datetime.date) -> dict:
    organization = organization_of(project, Role.CONTRACTOR)
    user = get_user_model().objects.create_user(username="newlead", password=PASSWORD)
    person = services.person_create(
        name=NEW_LEAD,
        id_number=id_number("33010619860412133"),
        organization=organization,
        practice_qualification=Person.PracticeQualification.REGISTERED_CONSTRUCTOR,
        practice_cert_no="浙1332016201705678",
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
        tenure=lead_of(project, Role.CONTRACTOR),
        person=person,
        effective_date=effective_date,
        reason="原项目经理调任其他项目",
        actor=admin,
    )
    documents = {
        kind: responsibility.document_prepare(
            project=project, role=Role.CONTRACTOR, kind=kind, actor=admin
        )
        for kind in ("letter", "pledge")
    }
    return {"user": user, "tenure": tenure, **documents}
