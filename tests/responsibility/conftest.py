"""Signers for the letters and pledges of the ``project`` fixture.

Every lead gets a login (leo is the contractor's lead), and every organization a legal
representative with a login, named ``rep_<role>`` (olga is the owner's).
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from rest_framework.test import APIClient

from projects import services
from projects.models import Membership, Role
from tests.conftest import PASSWORD, id_number, lead_of, organization_of
from tests.responsibility.defect_data import site_build

REP_IDS = {
    Role.SURVEY: "33010619700101231",
    Role.DESIGN: "33010519710202232",
    Role.CONTRACTOR: "33018319720303233",
    Role.SUPERVISOR: "33010219730404234",
}


@pytest.fixture
def signers(project, admin, leo, olga):
    """Role -> {"lead": user, "rep": user} for all five roles."""
    users = {}
    for role in Role.values[:5]:
        role = Role(role)
        person = lead_of(project, role).person
        if person.user is None:
            user = get_user_model().objects.create_user(username=f"lead_{role}", password=PASSWORD)
            services.person_update(person=person, user=user, actor=admin)
            services.membership_create(
                user=user,
                project=project,
                role=Membership.Role.PROJECT_LEAD,
                organization=organization_of(project, role),
                actor=admin,
            )
        organization = organization_of(project, role)
        if organization.legal_representative is None:
            user = get_user_model().objects.create_user(username=f"rep_{role}", password=PASSWORD)
            rep = services.person_create(
                name=f"法人{role}",
                id_number=id_number(REP_IDS[role]),
                organization=organization,
                user=user,
                actor=admin,
            )
            services.organization_update(
                organization=organization, legal_representative=rep, actor=admin
            )
            services.membership_create(
                user=user,
                project=project,
                role=Membership.Role.LEGAL_REPRESENTATIVE,
                organization=organization,
                actor=admin,
            )
        organization.refresh_from_db()
        users[role] = {
            "lead": lead_of(project, role).person.user,
            "rep": organization.legal_representative.user,
        }
    return users


def client_for(user) -> APIClient:
    """A logged-in session (not force_authenticate): re-authentication lives in the session."""
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="pytest-phone/1.0")
    api.login(username=user.username, password=PASSWORD)
    return api


def documents_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/responsibility-documents/"


def prepare(api, project, role, kind):
    return api.post(documents_url(project), {"role": role, "kind": kind}, format="json")


def reauthenticate(api, password=PASSWORD):
    return api.post("/api/v1/signing/reauthenticate/", {"password": password}, format="json")


def sign(api, project, document_id, *, consent=True, signature=None):
    data = {"consent": "true" if consent else "false"}
    if signature is not None:
        data["signature_image"] = signature
    return api.post(f"{documents_url(project)}{document_id}/sign/", data, format="multipart")


def sign_as(user, project, role, kind):
    """Prepare, re-authenticate and sign: the happy path, returning the signed document."""
    api = client_for(user)
    document = prepare(api, project, role, kind)
    assert document.status_code == 201, document.json()
    assert reauthenticate(api).status_code == 204
    response = sign(api, project, document.json()["id"])
    assert response.status_code == 200, response.json()
    return response.json()


def sign_all(project, signers):
    for role, users in signers.items():
        sign_as(users["rep"], project, role, "letter")
        sign_as(users["lead"], project, role, "pledge")


def signature_png(size=(300, 100)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (255, 255, 255, 0)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "signature.png"
    return buffer


@pytest.fixture
def site(project, admin, alice, leo, quinn, django_capture_on_commit_callbacks):
    """A building with evidence to trace (tests/responsibility/defect_data.py), committed as
    in production: its archived files are under their retention, their holds lifted."""
    with django_capture_on_commit_callbacks(execute=True):
        return site_build(project, admin, alice, leo, quinn)
