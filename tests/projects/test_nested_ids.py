"""A record named under a project's URL is looked up in that project only: the id of another
project's unit work, lead tenure or document is not found there, even for an operator who
sees both, and a write to it changes nothing."""

import pytest

from ledger.models import LedgerEntry
from projects import services
from projects.models import Role
from tests.conftest import lead_of

NOT_FOUND = "Not found, or you do not have access to it."


@pytest.fixture
def other_unit_work(other_project, admin):
    return services.unit_work_create(
        project=other_project,
        name="1号楼",
        structure_type="frame",
        floors_above=6,
        gross_area="3200.00",
        design_service_life_years=50,
        actor=admin,
    )


def test_another_projects_unit_work_is_not_found_under_this_project(
    api_as, project, other_unit_work
):
    client = api_as("admin")
    url = f"/api/v1/projects/{project.pk}/unit-works/{other_unit_work.pk}/"
    entries_before = LedgerEntry.objects.count()
    for response in (
        client.get(url),
        client.patch(url, {"name": "改名"}, format="json"),
        client.get(url + "locations/"),
        client.post(url + "locations/", {"kind": "floor", "name": "1层"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    assert LedgerEntry.objects.count() == entries_before
    other_unit_work.refresh_from_db()
    assert other_unit_work.name == "1号楼"


def test_another_projects_lead_tenure_is_not_found_under_this_project(
    api_as, project, other_project
):
    tenure = lead_of(project, Role.CONTRACTOR)
    url = f"/api/v1/projects/{other_project.pk}/lead-tenures/{tenure.pk}/"
    response = api_as("admin").get(url)
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND


def test_a_read_only_member_is_refused_a_unit_work_change_with_the_projects_reason(
    api_as, project, admin, olga
):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        gross_area="12036.50",
        design_service_life_years=50,
        actor=admin,
    )
    url = f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/"
    response = api_as("olga").patch(url, {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only site supervisors and project leads can change this project's records."
    )
