"""The inspections cast, on top of tests/conftest.py's project and actors.

- ``alice``  site supervisor of the supervision unit: the specialist supervising engineer
- ``quinn``  site supervisor of the contractor: the contractor's quality inspector
- ``leo``    the contractor's lead: project manager
- ``sam``    the supervision unit's lead: chief supervising engineer
- ``sue``, ``dan``, ``owen``  the survey, design and owner leads (read-only members)
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from inspections import services
from projects import services as project_services
from projects.models import Membership, Project, Role
from tests.conftest import PASSWORD, lead_of, organization_of

DAY = datetime.date(2025, 6, 10)


def _user(name):
    return get_user_model().objects.create_user(username=name, password=PASSWORD)


def _lead_user(project, admin, role, name, membership_role):
    user = _user(name)
    person = lead_of(project, role).person
    project_services.person_update(person=person, user=user, actor=admin)
    project_services.membership_create(
        user=user,
        project=project,
        role=membership_role,
        organization=organization_of(project, role),
        actor=admin,
    )
    return user


@pytest.fixture
def sam(project, admin):
    return _lead_user(project, admin, Role.SUPERVISOR, "sam", Membership.Role.PROJECT_LEAD)


@pytest.fixture
def leads(project, admin, sam, leo):
    return {
        "sam": sam,
        "leo": leo,
        "sue": _lead_user(project, admin, Role.SURVEY, "sue", Membership.Role.PARTY_MEMBER),
        "dan": _lead_user(project, admin, Role.DESIGN, "dan", Membership.Role.PARTY_MEMBER),
        "owen": _lead_user(project, admin, Role.OWNER, "owen", Membership.Role.PARTY_MEMBER),
    }


@pytest.fixture
def building(project, admin):
    # Stage gates from other apps (pledges, …) are not what these tests are about.
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.UNDER_CONSTRUCTION)
    project.refresh_from_db()
    return project_services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        floors_below=1,
        gross_area="12850.50",
        design_service_life_years=50,
        actor=admin,
    )


@pytest.fixture
def floor(building, admin):
    unit = project_services.location_create(
        unit_work=building, kind="unit", name="3号楼", actor=admin
    )
    return project_services.location_create(
        unit_work=building, parent=unit, kind="floor", name="2层", actor=admin
    )


@pytest.fixture
def tree(project, building, admin):
    """unit → main-structure division → sub-item → inspection lot, all in self-check."""

    def make(level, title, parent=None, **extra):
        return services.record_create(
            project=project,
            unit_work=building,
            level=level,
            parent=parent,
            title=title,
            date=DAY,
            actor=admin,
            **extra,
        )

    unit = make("unit", "3号楼单位工程")
    division = make("division", "主体结构分部", unit, division_kind="main_structure")
    sub_item = make("sub_item", "钢筋分项", division)
    lot = make("inspection_lot", "2层柱钢筋安装检验批", sub_item)
    return {"unit": unit, "division": division, "sub_item": sub_item, "lot": lot}


def url(project, record=None, action=""):
    base = f"/api/v1/projects/{project.pk}/acceptance-records/"
    if record is None:
        return base
    return f"{base}{record.pk}/{action + '/' if action else ''}"


def sign(client, project, record, password=PASSWORD, **extra):
    return client.post(url(project, record, "sign"), {"password": password, **extra}, format="json")


def client_for(user):
    from rest_framework.test import APIClient

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api
