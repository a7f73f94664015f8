"""A role's leads follow one another with no gap and no overlap, and none is ever deleted."""

import pytest

from ledger.models import LedgerEntry
from projects import services
from projects.models import LeadTenure, Role
from tests.conftest import id_number, lead_of, organization_of


@pytest.fixture
def new_manager(project, admin):
    return services.person_create(
        name="吴海涛",
        id_number=id_number("33010619820110313"),
        organization=organization_of(project, Role.CONTRACTOR),
        practice_qualification="registered_constructor",
        practice_cert_no="浙1332016201705678",
        actor=admin,
    )


def replace_url(project, tenure):
    return f"/api/v1/projects/{project.pk}/lead-tenures/{tenure.pk}/replace/"


def test_replacing_the_project_manager_ends_the_old_tenure_and_opens_the_new_on_the_same_day(
    api_as, project, leo, new_manager
):
    old = lead_of(project, Role.CONTRACTOR)
    response = api_as("leo").post(
        replace_url(project, old),
        {"person": new_manager.pk, "effective_date": "2025-09-15", "reason": "原项目经理调任"},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["person"]["name"] == "吴海涛"
    assert new["start_date"] == "2025-09-15"
    assert new["is_open"] is True
    old.refresh_from_db()
    assert old.end_date.isoformat() == "2025-09-15"
    assert old.end_reason == "原项目经理调任"
    assert old.successor_id == new["id"]
    history = (
        api_as("leo")
        .get(f"/api/v1/projects/{project.pk}/lead-tenures/?role=contractor")
        .json()["results"]
    )
    assert [(row["person"]["name"], row["end_date"]) for row in history] == [
        ("李国强", "2025-09-15"),
        ("吴海涛", None),
    ]


def test_a_second_open_tenure_for_a_role_is_refused_with_the_lead_in_office_named(
    api_as, project, alice, new_manager
):
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/lead-tenures/",
        {"role": "contractor", "person": new_manager.pk, "start_date": "2025-06-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "李国强 has led as construction contractor since 2025-03-01; to change the lead,"
        " replace that tenure."
    ]
    assert project.lead_tenures.filter(role=Role.CONTRACTOR).count() == 1


def test_a_replacement_dated_before_the_old_tenure_started_would_overlap_and_is_refused(
    api_as, project, leo, new_manager
):
    response = api_as("leo").post(
        replace_url(project, lead_of(project, Role.CONTRACTOR)),
        {"person": new_manager.pk, "effective_date": "2025-02-01", "reason": "调任"},
        format="json",
    )
    assert response.status_code == 400
    assert "before 李国强's tenure started on 2025-03-01" in response.json()["effective_date"][0]
    assert lead_of(project, Role.CONTRACTOR).person.name == "李国强"


def test_an_ended_tenure_cannot_be_replaced_again(api_as, project, leo, new_manager, admin):
    old = lead_of(project, Role.CONTRACTOR)
    services.lead_tenure_replace(
        tenure=old, person=new_manager, effective_date=old.start_date, reason="调任", actor=admin
    )
    response = api_as("leo").post(
        replace_url(project, old),
        {"person": old.person_id, "effective_date": "2025-10-01", "reason": "回任"},
        format="json",
    )
    assert response.status_code == 400
    assert "already ended on 2025-03-01" in response.json()["non_field_errors"][0]


def test_a_lead_cannot_be_replaced_by_themselves(api_as, project, leo):
    old = lead_of(project, Role.CONTRACTOR)
    response = api_as("leo").post(
        replace_url(project, old),
        {"person": old.person_id, "effective_date": "2025-10-01", "reason": "重新任命"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["person"] == ["The new lead must be a different person."]


def test_a_replacement_needs_a_reason(api_as, project, leo, new_manager):
    response = api_as("leo").post(
        replace_url(project, lead_of(project, Role.CONTRACTOR)),
        {"person": new_manager.pk, "effective_date": "2025-10-01", "reason": "   "},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_lead_for_a_role_the_project_has_no_organization_in_is_refused(
    api_as, project, alice, new_manager
):
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/lead-tenures/",
        {"role": "testing_lab", "person": new_manager.pk, "start_date": "2025-06-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["role"] == [
        "No organization takes part in the project as testing laboratory; add the"
        " participation first."
    ]


def test_the_database_itself_refuses_a_second_open_tenure(project, new_manager):
    from django.db import IntegrityError, transaction

    current = lead_of(project, Role.CONTRACTOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadTenure.objects.create(
            project=project,
            role=Role.CONTRACTOR,
            participation=current.participation,
            person=new_manager,
            start_date=current.start_date,
        )


def test_lead_tenures_are_never_deleted_through_the_api(api_as, project, admin):
    tenure = lead_of(project, Role.SUPERVISOR)
    url = f"/api/v1/projects/{project.pk}/lead-tenures/{tenure.pk}/"
    entries_before = LedgerEntry.objects.count()
    assert api_as("admin").delete(url).status_code == 405
    assert api_as("admin").patch(url, {"end_date": "2025-05-01"}, format="json").status_code == 405
    tenure.refresh_from_db()
    assert tenure.end_date is None
    assert LedgerEntry.objects.count() == entries_before
