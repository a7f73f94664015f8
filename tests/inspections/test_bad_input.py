"""Wrong signers, out-of-order acceptance, edits after acceptance: each a 4xx with a clear
message, and nothing written. Who may reach which endpoint is in test_permissions.py."""

import datetime

from inspections import services
from inspections.models import SignOff
from ledger.models import LedgerEntry
from projects import services as project_services
from projects.models import Role
from tests.conftest import id_number, lead_of
from tests.inspections.conftest import DAY, client_for, sign, url


def submitted(project, record, user):
    services.record_submit(record=record, actor=user)
    record.refresh_from_db()
    return record


def test_a_contractor_lead_cannot_sign_an_inspection_lot(project, tree, alice, leo):
    lot = submitted(project, tree["lot"], alice)
    entries = LedgerEntry.objects.count()
    response = sign(client_for(leo), project, lot)
    assert response.status_code == 400
    assert "You are not one of the people who must sign this record" in str(response.json())
    assert not SignOff.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_a_signature_needs_the_password_re_entered(project, tree, alice):
    lot = submitted(project, tree["lot"], alice)
    for password in ("", "wrong"):
        response = sign(client_for(alice), project, lot, password=password)
        assert response.status_code == 400
        assert response.json()["password"] == ["That password is not correct."]
    assert not SignOff.objects.exists()


def test_a_lead_who_left_office_before_the_record_date_cannot_sign(
    project, tree, alice, sam, admin
):
    project_services.lead_tenure_replace(
        tenure=lead_of(project, Role.SUPERVISOR),
        person=project_services.person_create(
            name="吴新", id_number=id_number("33010219900101123"), actor=admin
        ),
        effective_date=DAY - datetime.timedelta(days=30),
        reason="调任",
        actor=admin,
    )
    division = submitted(project, tree["division"], alice)
    response = sign(client_for(sam), project, division)
    assert response.status_code == 400
    assert "each signed by the person in office then" in str(response.json())
    assert not SignOff.objects.exists()


def test_a_parent_cannot_be_accepted_before_its_children(project, tree, alice, quinn):
    sub_item = submitted(project, tree["sub_item"], alice)
    sign(client_for(alice), project, sub_item)
    sign(client_for(quinn), project, sub_item)
    response = client_for(alice).post(url(project, sub_item, "accept"))
    assert response.status_code == 400
    assert "Every record under this one must be accepted first" in str(response.json())
    assert "2层柱钢筋安装检验批" in str(response.json())
    sub_item.refresh_from_db()
    assert sub_item.state == "submitted"


def test_covering_work_waits_for_its_concealed_works_acceptance(
    project, building, tree, alice, admin
):
    concealed = services.record_create(
        project=project,
        unit_work=building,
        level="concealed",
        parent=tree["sub_item"],
        title="2层柱钢筋隐蔽验收",
        date=DAY,
        actor=admin,
    )
    lot = tree["lot"]
    services.record_update(record=lot, concealed_works=[concealed], actor=admin)
    response = client_for(alice).post(url(project, lot, "submit"))
    assert response.status_code == 400
    assert "concealed works this work covers must be accepted first" in str(response.json())
    lot.refresh_from_db()
    assert lot.state == "self_check"


def test_an_accepted_record_cannot_be_edited(project, tree, alice, quinn):
    lot = submitted(project, tree["lot"], alice)
    sign(client_for(alice), project, lot)
    sign(client_for(quinn), project, lot)
    client_for(alice).post(url(project, lot, "accept"))
    entries = LedgerEntry.objects.count()
    response = client_for(alice).patch(url(project, lot), {"result": "改"}, format="json")
    assert response.status_code == 400
    assert "has been accepted and can no longer be changed" in str(response.json())
    lot.refresh_from_db()
    assert lot.result == ""
    assert LedgerEntry.objects.count() == entries


def test_the_admin_refuses_to_edit_an_accepted_record(client, admin, project, tree, alice, quinn):
    lot = submitted(project, tree["lot"], alice)
    services.record_sign(record=lot, user=alice, password="correct-horse-2026")
    services.record_sign(record=lot, user=quinn, password="correct-horse-2026")
    services.record_accept(record=lot, actor=alice)
    client.force_login(admin)
    response = client.post(
        f"/admin/inspections/acceptancerecord/{lot.pk}/change/",
        {
            "title": "改",
            "date": "2025-06-10",
            "result": "",
            "remarks": "",
            "division_kind": "other",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "has been accepted and can no longer be changed" in response.content.decode()
    lot.refresh_from_db()
    assert lot.title == "2层柱钢筋安装检验批"


def test_returning_needs_a_reason(project, tree, alice):
    lot = submitted(project, tree["lot"], alice)
    response = client_for(alice).post(url(project, lot, "return"), {"reasons": " "}, format="json")
    assert response.status_code == 400
    assert "Say why the record is returned" in str(response.json())
    lot.refresh_from_db()
    assert lot.state == "submitted"


def test_a_record_cannot_hang_under_the_wrong_level(api_as, project, building, tree):
    response = api_as("alice").post(
        url(project),
        {
            "level": "inspection_lot",
            "unit_work": building.pk,
            "parent": tree["division"].pk,
            "title": "错挂",
            "date": "2025-06-10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be placed under a division record" in str(response.json())
