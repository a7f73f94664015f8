"""An id in a request body is resolved through the same visibility rule as the detail
endpoint: an id the caller cannot see gets the same answer as one that does not exist, and
the answer never names what the id points at."""

import pytest

from ledger.models import LedgerEntry
from projects import services
from projects.models import LeadTenure, Location, Organization, Role
from tests.conftest import LEADS, credit_code, lead_of

MISSING = 999999


@pytest.fixture
def hidden_lead(project):
    """李国强, the contractor's lead of alice's project: charlie cannot see him."""
    return lead_of(project, Role.CONTRACTOR).person


def organization_body(legal_representative):
    return {
        "name": "南京某检测有限公司",
        "credit_code": credit_code("91320102MA1XXXXX0"),
        "legal_representative": legal_representative,
    }


def test_a_hidden_person_as_legal_representative_is_refused_like_a_missing_one(
    api_as, hidden_lead, charlie
):
    client = api_as("charlie")
    assert client.get(f"/api/v1/people/{hidden_lead.pk}/").status_code == 404
    organizations, entries = Organization.objects.count(), LedgerEntry.objects.count()

    hidden = client.post("/api/v1/organizations/", organization_body(hidden_lead.pk), format="json")
    missing = client.post("/api/v1/organizations/", organization_body(MISSING), format="json")

    assert hidden.status_code == missing.status_code == 400
    hidden_message = hidden.json()["legal_representative"][0]
    missing_message = missing.json()["legal_representative"][0]
    assert hidden_message == missing_message.replace(str(MISSING), str(hidden_lead.pk))
    assert "you do not have access to it" in hidden_message
    assert hidden_lead.name not in hidden.content.decode()
    assert (Organization.objects.count(), LedgerEntry.objects.count()) == (organizations, entries)


def test_a_person_the_caller_sees_can_be_named_legal_representative(api_as, project, alice):
    lead = lead_of(project, Role.CONTRACTOR).person
    response = api_as("alice").post(
        "/api/v1/organizations/", organization_body(lead.pk), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["legal_representative"] == {"id": lead.pk, "name": lead.name}


def test_a_hidden_person_cannot_be_made_a_lead_of_the_callers_project(
    api_as, other_project, hidden_lead, charlie, admin
):
    organization = services.organization_create(
        name="南京某监理有限公司", credit_code=credit_code("91320102MA1YYYYY0"), actor=admin
    )
    services.participation_create(
        project=other_project, organization=organization, role=Role.SUPERVISOR, actor=admin
    )
    url = f"/api/v1/projects/{other_project.pk}/lead-tenures/"
    body = {"role": Role.SUPERVISOR, "start_date": "2025-04-01"}
    client = api_as("charlie")
    hidden = client.post(url, {**body, "person": hidden_lead.pk}, format="json")
    missing = client.post(url, {**body, "person": MISSING}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["person"][0] == missing.json()["person"][0].replace(
        str(MISSING), str(hidden_lead.pk)
    )
    assert hidden_lead.name not in hidden.content.decode()
    assert not LeadTenure.objects.filter(project=other_project).exists()


def test_a_location_of_a_hidden_project_is_no_parent(
    api_as, project, other_project, charlie, admin
):
    def building(of_project, name):
        unit_work = services.unit_work_create(
            project=of_project,
            name=name,
            structure_type="frame",
            floors_above=6,
            gross_area="5000",
            design_service_life_years=50,
            actor=admin,
        )
        location = services.location_create(
            unit_work=unit_work, kind="unit", name=name, actor=admin
        )
        return unit_work, location

    _, hidden_location = building(project, "3号楼")
    unit_work, _ = building(other_project, "办公楼")
    url = f"/api/v1/projects/{other_project.pk}/unit-works/{unit_work.pk}/locations/"
    locations = Location.objects.count()
    response = api_as("charlie").post(
        url, {"parent": hidden_location.pk, "kind": "floor", "name": "2层"}, format="json"
    )
    assert response.status_code == 400
    assert "you do not have access to it" in response.json()["parent"][0]
    assert "3号楼" not in response.content.decode()
    assert Location.objects.count() == locations


def test_an_outsider_sees_every_organization_with_its_legal_representative_but_no_staff(
    api_as, project, olga, charlie
):
    """Organizations are global product information: their legal representative's name is
    public (the enterprise credit system publishes it), a project's staff is not."""
    response = api_as("charlie").get("/api/v1/organizations/")
    assert response.status_code == 200
    owner = next(row for row in response.json()["results"] if row["legal_representative"])
    assert owner["legal_representative"]["name"] == "周秀英"  # olga
    body = response.content.decode()
    for lead_name, *_ in LEADS.values():
        assert lead_name not in body
    for username in ("olga", "alice", "admin"):
        assert f'"{username}"' not in body
