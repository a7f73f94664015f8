"""A usage names the acceptance record of the work it went into, so a defect at a location leads
from the material to the acceptance and back."""

import datetime

import pytest
from django.utils import timezone

from inspections import services as inspection_services
from ledger.models import LedgerEntry
from ledger.verify import verify_archive
from materials.models import Usage
from projects import services as project_services
from projects.models import Membership

USED_ON = "2025-04-10"


def usages_url(project, usage=None):
    url = f"/api/v1/projects/{project.pk}/usages/"
    return f"{url}{usage.pk}/acceptance-record/" if usage else url


def lot(project, floor, admin, *, level="inspection_lot", unit_work=None, **extra):
    unit_work = unit_work or floor.unit_work
    unit = inspection_services.record_create(
        project=project,
        unit_work=unit_work,
        level="unit",
        title="3号楼",
        date=floor_day(),
        actor=admin,
    )
    division = inspection_services.record_create(
        project=project,
        unit_work=unit_work,
        level="division",
        parent=unit,
        title="主体结构",
        date=floor_day(),
        actor=admin,
    )
    sub_item = inspection_services.record_create(
        project=project,
        unit_work=unit_work,
        level="sub_item",
        parent=division,
        title="钢筋",
        date=floor_day(),
        actor=admin,
    )
    if level == "sub_item":
        return sub_item
    return inspection_services.record_create(
        project=project,
        unit_work=unit_work,
        level="inspection_lot",
        parent=sub_item,
        title="5层柱钢筋安装检验批",
        date=floor_day(),
        locations=[floor],
        actor=admin,
        **extra,
    )


def floor_day():
    return datetime.date(2025, 4, 12)


@pytest.fixture
def record(project, floor, admin):
    return lot(project, floor, admin)


def use(api, project, delivery, floor, **extra):
    body = {"delivery": delivery.pk, "location": floor.pk, "used_on": USED_ON, "quantity": "10"}
    return api.post(usages_url(project), {**body, **extra}, format="json")


def test_a_usage_is_recorded_with_the_acceptance_record_of_its_work(
    api_as, project, accepted_cable, floor, record
):
    response = use(api_as("leo"), project, accepted_cable, floor, acceptance_record=record.pk)
    assert response.status_code == 201, response.content
    assert response.json()["acceptance_record"] == record.pk
    listed = api_as("alice").get(usages_url(project)).json()["results"]
    assert [row["acceptance_record"] for row in listed] == [record.pk]


def test_a_usage_is_linked_later_once_and_the_link_is_in_the_ledger(
    api_as, project, accepted_cable, floor, record, admin
):
    usage_id = use(api_as("leo"), project, accepted_cable, floor).json()["id"]
    usage = Usage.objects.get(pk=usage_id)
    response = api_as("alice").post(
        usages_url(project, usage), {"acceptance_record": record.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["acceptance_record"] == record.pk
    actions = LedgerEntry.objects.filter(record_type="materials.usage", record_id=str(usage_id))
    assert list(actions.values_list("action", flat=True)) == ["create", "update"]
    assert verify_archive() == []

    other = lot(project, floor, admin)
    response = api_as("alice").post(
        usages_url(project, usage), {"acceptance_record": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "never changed" in response.json()["acceptance_record"][0]
    usage.refresh_from_db()
    assert usage.acceptance_record_id == record.pk


def test_usages_ledgered_before_the_link_existed_still_verify(project, accepted_cable, floor, leo):
    from materials import services

    services.usage_create(
        delivery=accepted_cable,
        location=floor,
        quantity=10,
        used_on=datetime.date(2025, 4, 10),
        actor=leo,
    )
    # An empty link is left out of the hashed content, as it was before the column existed.
    entry = LedgerEntry.objects.filter(record_type="materials.usage").get()
    usage = Usage.objects.get()
    assert "acceptance_record_id" not in usage.ledger_content()
    assert entry.content_hash
    assert verify_archive() == []


def test_bad_links_are_refused_with_the_reason(
    api_as, project, other_project, accepted_cable, floor, record, leo, admin
):
    api = api_as("leo")
    building = project_services.unit_work_create(
        project=other_project,
        name="1号楼",
        structure_type="frame",
        floors_above=6,
        gross_area=5000,
        design_service_life_years=50,
        actor=admin,
    )
    elsewhere = project_services.location_create(
        unit_work=building, kind="unit", name="1号楼", actor=admin
    )
    foreign = lot(other_project, elsewhere, admin)
    response = use(api, project, accepted_cable, floor, acceptance_record=foreign.pk)
    assert response.status_code == 400  # leo cannot see the other project's records at all
    assert response.json()["acceptance_record"] == [
        f"There is no record with id {foreign.pk}, or you do not have access to it. Check the id."
    ]
    project_services.membership_create(
        user=leo,
        project=other_project,
        role=Membership.Role.PROJECT_LEAD,
        actor=admin,
    )
    response = use(api, project, accepted_cable, floor, acceptance_record=foreign.pk)
    assert response.status_code == 400  # now he sees it, and is told why it does not fit
    assert response.json()["acceptance_record"] == [
        "The acceptance record belongs to another project."
    ]

    second = project_services.unit_work_create(
        project=project,
        name="4号楼",
        structure_type="frame",
        floors_above=6,
        gross_area=5000,
        design_service_life_years=50,
        actor=admin,
    )
    second_unit = project_services.location_create(
        unit_work=second, kind="unit", name="4号楼", actor=admin
    )
    response = use(api, project, accepted_cable, second_unit, acceptance_record=record.pk)
    assert response.status_code == 400
    assert "another unit work" in response.json()["acceptance_record"][0]

    completion = inspection_services.record_create(
        project=project, level="completion", title="竣工验收", date=floor_day(), actor=admin
    )
    response = use(api, project, accepted_cable, floor, acceptance_record=completion.pk)
    assert response.status_code == 400
    assert "not to the completion acceptance" in response.json()["acceptance_record"][0]

    response = use(api, project, accepted_cable, floor, acceptance_record=999999)
    assert response.status_code == 400
    assert "999999" in response.json()["acceptance_record"][0]
    assert not Usage.objects.exists()


def test_material_cannot_be_tied_to_work_accepted_before_it_was_used(
    api_as, project, accepted_cable, floor, record
):
    record.accepted_at = timezone.make_aware(datetime.datetime(2025, 4, 5, 10))
    # Stand-in for a record accepted through the sign-off flow, which its own tests cover.
    type(record).objects.filter(pk=record.pk).update(accepted_at=record.accepted_at)
    response = use(api_as("leo"), project, accepted_cable, floor, acceptance_record=record.pk)
    assert response.status_code == 400
    assert response.json()["acceptance_record"] == [
        "That work was accepted on 2025-04-05, before this material was used on 2025-04-10."
    ]


def test_only_project_writers_link_usages(api_as, project, accepted_cable, floor, record):
    usage_id = use(api_as("leo"), project, accepted_cable, floor).json()["id"]
    usage = Usage.objects.get(pk=usage_id)
    body = {"acceptance_record": record.pk}
    assert (
        api_as("charlie").post(usages_url(project, usage), body, format="json").status_code == 404
    )
    assert api_as("olga").post(usages_url(project, usage), body, format="json").status_code == 403
    assert api_as("reggie").post(usages_url(project, usage), body, format="json").status_code == 403
    usage.refresh_from_db()
    assert usage.acceptance_record_id is None
