"""Bad input is a 4xx with a message a person can act on, never a 500."""

import pytest

from ledger.models import LedgerEntry


def test_malformed_json_is_a_400_saying_so(api_as, project, alice):
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/participations/",
        data='{"role": "testing_lab", ',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_plain_text_body_is_a_415(api_as, project, alice):
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/participations/",
        data="role=testing_lab",
        content_type="text/plain",
    )
    assert response.status_code == 415
    assert "text/plain" in response.json()["detail"]


def test_an_unknown_role_is_a_400_naming_the_value(api_as, project, alice):
    organization = project.participations.first().organization
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/participations/",
        {"organization": organization.pk, "role": "landlord"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["role"] == ['"landlord" is not a valid choice.']


def test_a_second_contractor_is_refused(api_as, project, alice):
    other = project.participations.get(role="owner").organization
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/participations/",
        {"organization": other.pk, "role": "contractor"},
        format="json",
    )
    assert response.status_code == 400
    assert "already has an organization in this role" in str(response.json())


def test_an_invalid_credit_code_names_the_right_check_character(api_as, project, alice):
    response = api_as("alice").post(
        "/api/v1/organizations/",
        {"name": "浙江某预拌混凝土有限公司", "credit_code": "91330108MA27XK3L0Y"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == [
        "The 18th character should be 'X' — check the code for a typing mistake."
    ]


def test_a_duplicate_credit_code_is_refused(api_as, project, alice):
    response = api_as("alice").post(
        "/api/v1/organizations/",
        {"name": "同名公司", "credit_code": "91330108ma27xk3l0x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == [
        "An organization with this credit code is already registered."
    ]


@pytest.mark.parametrize("code", ["33010", "3301080", "033010", "杭州滨江"])
def test_an_invalid_jurisdiction_code_is_refused(api_as, admin, code):
    response = api_as("admin").post(
        "/api/v1/projects/", {"name": "某项目", "jurisdiction_code": code}, format="json"
    )
    assert response.status_code == 400
    assert "jurisdiction_code" in response.json()


def test_a_location_cannot_sit_above_its_parent(api_as, project, alice, admin):
    from projects import services

    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        gross_area="12036.50",
        design_service_life_years=50,
        actor=admin,
    )
    floor = services.location_create(unit_work=unit_work, kind="floor", name="5F", actor=admin)
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/locations/",
        {"parent": floor.pk, "kind": "unit", "name": "1单元"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["kind"] == [
        "A unit cannot be placed inside a floor: locations go down from unit to floor to"
        " zone or axis to element."
    ]


def test_a_refused_write_leaves_no_ledger_entry(api_as, project, alice):
    before = LedgerEntry.objects.count()
    api_as("alice").post(
        "/api/v1/organizations/",
        {"name": "浙江某预拌混凝土有限公司", "credit_code": "91330108MA27XK3L0Y"},
        format="json",
    )
    assert LedgerEntry.objects.count() == before
