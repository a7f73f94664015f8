"""Who can do what, as a table: (actor, method, url, expected status)."""

import pytest

from projects.models import Role
from tests.conftest import lead_of


def urls(project, other_project):
    tenure = lead_of(project, Role.CONTRACTOR)
    unit_work = project.unit_works.first()
    person = tenure.person
    organization = tenure.participation.organization
    return {
        "project": f"/api/v1/projects/{project.pk}/",
        "other_project": f"/api/v1/projects/{other_project.pk}/",
        "participations": f"/api/v1/projects/{project.pk}/participations/",
        "tenures": f"/api/v1/projects/{project.pk}/lead-tenures/",
        "tenure": f"/api/v1/projects/{project.pk}/lead-tenures/{tenure.pk}/",
        "replace": f"/api/v1/projects/{project.pk}/lead-tenures/{tenure.pk}/replace/",
        "unit_works": f"/api/v1/projects/{project.pk}/unit-works/",
        "unit_work": f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/",
        "locations": f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/locations/",
        "memberships": f"/api/v1/projects/{project.pk}/memberships/",
        "advance": f"/api/v1/projects/{project.pk}/advance/",
        "gaps": f"/api/v1/projects/{project.pk}/supervision-gaps/",
        "projects": "/api/v1/projects/",
        "organizations": "/api/v1/organizations/",
        "organization": f"/api/v1/organizations/{organization.pk}/",
        "people": "/api/v1/people/",
        "person": f"/api/v1/people/{person.pk}/",
    }


@pytest.fixture
def unit_work(project, admin):
    from projects import services

    return services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        floors_below=1,
        gross_area="12036.50",
        design_service_life_years=50,
        actor=admin,
    )


# Writes send a body that would be refused as invalid if access were granted: access is
# checked first, so an allowed actor gets 400 and a refused one 403/404, and nothing is written.
READS = [
    # actor, url, expected
    ("admin", "project", 200),
    ("alice", "project", 200),
    ("leo", "project", 200),
    ("olga", "project", 200),
    ("reggie", "project", 200),
    ("rita", "project", 404),
    ("charlie", "project", 404),
    (None, "project", 403),
    ("charlie", "other_project", 200),
    ("rita", "other_project", 200),
    ("reggie", "other_project", 404),
    ("alice", "other_project", 404),
    ("alice", "tenures", 200),
    ("olga", "tenure", 200),
    ("reggie", "tenures", 200),
    ("charlie", "tenures", 404),
    ("rita", "tenure", 404),
    ("charlie", "participations", 404),
    ("charlie", "unit_work", 404),
    ("charlie", "locations", 404),
    ("reggie", "locations", 200),
    ("charlie", "memberships", 404),
    ("olga", "memberships", 200),
    ("charlie", "gaps", 404),
    ("leo", "gaps", 200),
    ("charlie", "organization", 200),
    ("rita", "organizations", 200),
    ("alice", "person", 200),
    ("reggie", "person", 200),
    ("charlie", "person", 404),
    ("rita", "person", 404),  # a regulator sees the people of their own jurisdiction only
    ("charlie", "people", 200),
    # a regulator of the neighbouring district, and a supervisor of a third project there
    ("dan", "project", 404),
    ("dan", "tenures", 404),
    ("dan", "person", 404),
    ("dan", "organization", 200),
    ("sam", "project", 404),
    ("sam", "tenures", 404),
    ("sam", "locations", 404),
    ("sam", "person", 404),
    ("sam", "people", 200),
]


@pytest.mark.parametrize(("actor", "url", "expected"), READS)
def test_who_can_read_what(api_as, project, other_project, unit_work, actor, url, expected):
    response = api_as(actor).get(urls(project, other_project)[url])
    assert response.status_code == expected, response.content


WRITES = [
    # actor, method, url, expected
    ("admin", "patch", "project", 400),
    ("alice", "patch", "project", 400),
    ("leo", "patch", "project", 400),
    ("olga", "patch", "project", 403),
    ("reggie", "patch", "project", 403),
    ("rita", "patch", "project", 404),
    ("charlie", "patch", "project", 404),
    ("alice", "post", "tenures", 400),
    ("olga", "post", "tenures", 403),
    ("reggie", "post", "tenures", 403),
    ("charlie", "post", "tenures", 404),
    ("leo", "post", "replace", 400),
    ("olga", "post", "replace", 403),
    ("reggie", "post", "replace", 403),
    ("charlie", "post", "replace", 404),
    ("alice", "post", "participations", 400),
    ("reggie", "post", "participations", 403),
    ("charlie", "post", "participations", 404),
    ("leo", "post", "unit_works", 400),
    ("olga", "post", "unit_works", 403),
    ("charlie", "post", "unit_works", 404),
    ("alice", "post", "locations", 400),
    ("reggie", "post", "locations", 403),
    ("charlie", "post", "locations", 404),
    ("alice", "post", "advance", 400),
    ("olga", "post", "advance", 403),
    ("reggie", "post", "advance", 403),
    ("charlie", "post", "advance", 404),
    ("admin", "post", "memberships", 400),
    ("alice", "post", "memberships", 403),
    ("charlie", "post", "memberships", 404),
    ("admin", "post", "projects", 400),
    ("alice", "post", "projects", 403),
    ("reggie", "post", "projects", 403),
    ("admin", "post", "organizations", 400),
    ("alice", "post", "organizations", 400),
    ("charlie", "post", "organizations", 400),
    ("olga", "post", "organizations", 403),
    ("reggie", "post", "organizations", 403),
    ("admin", "patch", "organization", 400),
    ("alice", "patch", "organization", 403),
    ("charlie", "patch", "organization", 403),
    ("admin", "post", "people", 400),
    ("leo", "post", "people", 400),
    ("olga", "post", "people", 403),
    ("rita", "post", "people", 403),
    ("admin", "patch", "person", 400),
    ("leo", "patch", "person", 400),
    ("alice", "patch", "person", 403),
    ("charlie", "patch", "person", 404),
    ("dan", "patch", "project", 404),
    ("dan", "post", "locations", 404),
    ("dan", "post", "projects", 403),
    ("dan", "post", "organizations", 403),
    ("dan", "patch", "person", 404),
    ("sam", "patch", "project", 404),
    ("sam", "post", "tenures", 404),
    ("sam", "post", "replace", 404),
    ("sam", "post", "memberships", 404),
    ("sam", "post", "organizations", 400),
    ("sam", "patch", "person", 404),
]

INVALID_BODY = {
    "name": "",
    "credit_code": "",
    "id_number": "",
    "role": "no_such_role",
    "to_stage": "no_such_stage",
    "person": "",
    "jurisdiction_code": "",
    "username": "",
    "kind": "no_such_kind",
    "structure_type": "no_such_structure",
}


@pytest.mark.parametrize(("actor", "method", "url", "expected"), WRITES)
def test_who_can_change_what(
    api_as, project, other_project, unit_work, actor, method, url, expected
):
    from ledger.models import LedgerEntry

    client = api_as(actor)  # dan and sam are made on first use: before counting
    entries_before = LedgerEntry.objects.count()
    response = getattr(client, method)(
        urls(project, other_project)[url], INVALID_BODY, format="json"
    )
    assert response.status_code == expected, response.content
    assert LedgerEntry.objects.count() == entries_before


def test_an_outsider_is_told_not_found_without_learning_the_project_exists(
    api_as, project, charlie
):
    response = api_as("charlie").get(f"/api/v1/projects/{project.pk}/")
    missing = api_as("charlie").get("/api/v1/projects/999999/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


def test_a_regulator_is_told_that_regulators_have_read_only_access(api_as, project, reggie):
    response = api_as("reggie").patch(
        f"/api/v1/projects/{project.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Regulators have read-only access to projects."


def test_a_lead_tenure_cannot_be_deleted_by_anyone(api_as, project, admin):
    tenure = lead_of(project, Role.CONTRACTOR)
    response = api_as("admin").delete(f"/api/v1/projects/{project.pk}/lead-tenures/{tenure.pk}/")
    assert response.status_code == 405
    assert project.lead_tenures.filter(pk=tenure.pk).exists()


def test_only_operators_move_a_project_to_another_jurisdiction(api_as, project, alice, reggie):
    url = f"/api/v1/projects/{project.pk}/"
    response = api_as("alice").patch(url, {"jurisdiction_code": "320102"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only archive operators can change a project's jurisdiction."
    )
    assert api_as("reggie").get(url).status_code == 200
    assert (
        api_as("admin")
        .patch(url, {"jurisdiction_code": "330106"}, format="json")
        .json()["jurisdiction_code"]
        == "330106"
    )


def test_a_person_can_update_their_phone_but_not_their_id_number(api_as, project, leo):
    url = f"/api/v1/people/{lead_of(project, Role.CONTRACTOR).person_id}/"
    response = api_as("leo").patch(url, {"phone": "13900001111"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone_masked"] == "139****1111"
    response = api_as("leo").patch(url, {"id_number": "330106199002051620"}, format="json")
    assert response.status_code == 403
