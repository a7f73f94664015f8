from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from ledger.models import LedgerEntry
from projects import services
from projects.demo import DEMO_LOGINS
from projects.models import LeadTenure, Location, Organization, Person, Project


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_creates_the_project_once_and_prints_the_logins_both_times(db):
    first = load_demo()
    counts = [
        model.objects.count() for model in (Project, Organization, Person, LeadTenure, Location)
    ]
    entries = LedgerEntry.objects.count()
    second = load_demo()
    assert "Created the demo project" in first
    assert "already exists" in second
    assert [
        model.objects.count() for model in (Project, Organization, Person, LeadTenure, Location)
    ] == counts
    assert LedgerEntry.objects.count() == entries
    for username, _, password in DEMO_LOGINS:
        assert username in second
        assert authenticate(username=username, password=password) is not None


def test_the_demo_project_is_under_supervision_and_passes_its_gate(db):
    load_demo()
    project = Project.objects.get()
    assert project.stage == Project.Stage.UNDER_SUPERVISION
    assert services.project_supervision_gaps(project) == []
    contractor_leads = project.lead_tenures.filter(role="contractor").order_by("start_date")
    assert [(t.person.name, t.end_date is None) for t in contractor_leads] == [
        ("李国强", False),
        ("吴海涛", True),
    ]
    assert project.unit_works.get().locations.filter(kind="floor").count() == 19


def test_the_demo_supervisor_can_write_and_the_demo_regulator_only_read(db, client):
    from rest_framework.test import APIClient

    load_demo()
    project = Project.objects.get()
    for username, expected in (("supervisor", 400), ("regulator", 403), ("owner", 403)):
        api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        token = api.post(
            "/api/v1/auth/token/", {"username": username, "password": "demo-password-2026"}
        ).json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
        response = api.patch(f"/api/v1/projects/{project.pk}/", {"name": ""}, format="json")
        assert response.status_code == expected, username
