"""Who a person is (name, ID number, employer, practice qualification, certificate) is set by
archive operators, each change with a reason in the audit log; the person keeps their phone.
Tenures keep showing the lead as they were recorded when the tenure opened."""

import pytest

from ledger.models import LedgerEntry
from ledger.verify import verify_archive
from projects.models import AuditEvent, LeadTenure, Role
from tests.conftest import id_number, lead_of, organization_of

pytestmark = pytest.mark.django_db


def person_url(person):
    return f"/api/v1/people/{person.pk}/"


def person_entries(person):
    return LedgerEntry.objects.filter(record_type="projects.person", record_id=str(person.pk))


def identity_of(person):
    person.refresh_from_db()
    return (
        person.name,
        person.id_number_index,
        person.organization_id,
        person.practice_qualification,
        person.practice_cert_no,
        person.phone_masked,
    )


@pytest.fixture
def lead(project, leo):
    """The contractor's project manager, 李国强, who is the user leo."""
    return lead_of(project, Role.CONTRACTOR).person


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("practice_qualification", "registered_supervising_engineer"),
        ("practice_cert_no", "浙1332099999999999"),
        ("name", "李国强强"),
        ("organization", "owner"),
        ("id_number", "330106199002051620"),
    ],
)
def test_a_person_cannot_change_who_they_are_recorded_as(api_as, project, lead, field, value):
    if value == "owner":
        value = organization_of(project, Role.OWNER).pk
    before, entries = identity_of(lead), person_entries(lead).count()

    response = api_as("leo").patch(person_url(lead), {field: value}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"Only archive operators can change {field}: ask an operator, with the ID card or"
        " certificate that shows the new value. You can change your phone number yourself."
    )
    assert identity_of(lead) == before
    assert person_entries(lead).count() == entries
    assert not AuditEvent.objects.filter(action="change_identity").exists()


def test_a_refused_identity_change_leaves_the_phone_sent_with_it_unchanged(api_as, project, lead):
    before = identity_of(lead)

    response = api_as("leo").patch(
        person_url(lead),
        {"phone": "13900001111", "practice_qualification": "registered_constructor", "name": "x"},
        format="json",
    )

    assert response.status_code == 403
    assert "name, practice_qualification" in response.json()["detail"]
    assert identity_of(lead) == before


def test_a_person_still_changes_their_own_phone(api_as, project, lead):
    response = api_as("leo").patch(person_url(lead), {"phone": "13900001111"}, format="json")

    assert response.status_code == 200
    assert response.json()["phone_masked"] == "139****1111"
    assert not AuditEvent.objects.filter(action="change_identity").exists()


def test_a_legal_representative_cannot_change_their_staffs_qualification(api_as, project, olga):
    owner_lead = lead_of(project, Role.OWNER).person
    before = identity_of(owner_lead)

    response = api_as("olga").patch(
        person_url(owner_lead), {"practice_qualification": "registered_constructor"}, format="json"
    )

    assert response.status_code == 403
    assert identity_of(owner_lead) == before


@pytest.mark.parametrize("outsider", ["charlie", "sam", "rita", "dan"])
def test_outsiders_cannot_find_a_person_to_change(api_as, project, lead, outsider):
    before, entries = identity_of(lead), person_entries(lead).count()

    response = api_as(outsider).patch(
        person_url(lead), {"practice_qualification": "none", "phone": "13900001111"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found, or you do not have access to it."
    assert identity_of(lead) == before
    assert person_entries(lead).count() == entries


def test_an_operator_changes_a_qualification_with_a_reason_and_it_is_in_the_audit_log(
    api_as, project, lead, admin
):
    response = api_as("admin").patch(
        person_url(lead),
        {
            "practice_qualification": "registered_supervising_engineer",
            "practice_cert_no": "33001234",
            "reason": "注册建造师证书已注销，核对注册监理工程师证书 33001234",
        },
        format="json",
        HTTP_USER_AGENT="operator-desk/1.0",
    )

    assert response.status_code == 200, response.content
    assert response.json()["practice_qualification"] == "registered_supervising_engineer"
    entry = person_entries(lead).last()
    assert (entry.action, entry.actor, entry.actor_id) == ("update", "admin", admin.pk)
    event = AuditEvent.objects.get(action="change_identity")
    assert (event.actor, event.subject_type, event.subject_id) == (
        admin,
        "projects.person",
        str(lead.pk),
    )
    assert event.reason == "注册建造师证书已注销，核对注册监理工程师证书 33001234"
    assert event.changes == {
        "practice_qualification": ["registered_constructor", "registered_supervising_engineer"],
        "practice_cert_no": ["浙1332015201601234", "33001234"],
    }
    assert event.user_agent == "operator-desk/1.0"
    assert LedgerEntry.objects.filter(
        record_type="projects.auditevent", record_id=str(event.pk), actor="admin"
    ).exists()
    listed = api_as("admin").get("/api/v1/audit-events/?action=change_identity").json()
    assert listed["results"][0]["changes"] == event.changes
    assert verify_archive() == []


def test_an_identity_change_without_a_reason_is_refused(api_as, project, lead):
    before, entries = identity_of(lead), person_entries(lead).count()

    response = api_as("admin").patch(
        person_url(lead), {"name": "李国庆", "reason": "  "}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["reason"] == [
        "Say why name change (for example which certificate or ID card shows the new value);"
        " the reason is kept in the audit log."
    ]
    assert identity_of(lead) == before
    assert person_entries(lead).count() == entries
    assert not AuditEvent.objects.exists()


def test_an_id_number_correction_is_recorded_masked_never_in_full(api_as, project, lead):
    new_number = id_number("33010619950101123")

    response = api_as("admin").patch(
        person_url(lead), {"id_number": new_number, "reason": "身份证号录入错误"}, format="json"
    )

    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="change_identity")
    before, after = event.changes["id_number"]
    assert before == lead.id_number_masked
    assert after == new_number[:3] + "*" * 11 + new_number[-4:]
    assert new_number not in str(event.changes)
    assert new_number not in event.subject


def test_resending_the_same_identity_needs_no_reason(api_as, project, lead):
    response = api_as("admin").patch(
        person_url(lead), {"name": lead.name, "phone": "13900001111"}, format="json"
    )

    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_the_tenure_list_shows_the_lead_as_recorded_when_the_tenure_opened(api_as, project, lead):
    response = api_as("admin").patch(
        person_url(lead),
        {"name": "李国庆", "practice_qualification": "none", "reason": "依公安机关更名证明"},
        format="json",
    )
    assert response.status_code == 200, response.content

    tenures = api_as("alice").get(f"/api/v1/projects/{project.pk}/lead-tenures/").json()
    [contractor] = [t for t in tenures["results"] if t["role"] == "contractor"]
    assert contractor["person"]["id"] == lead.pk
    assert contractor["person"]["name"] == "李国强"
    assert contractor["person"]["practice_qualification"] == "registered_constructor"
    assert (
        contractor["person"]["organization"]["id"] == organization_of(project, Role.CONTRACTOR).pk
    )
    assert api_as("alice").get(person_url(lead)).json()["name"] == "李国庆"
    assert verify_archive() == []


def test_a_tenure_opened_after_the_change_shows_the_new_identity(api_as, project, lead, admin):
    from projects import services

    services.person_update(person=lead, name="李国庆", reason="依更名证明", actor=admin)
    services.lead_tenure_replace(
        tenure=lead_of(project, Role.CONTRACTOR),
        person=_deputy(project, admin),
        effective_date=lead_of(project, Role.CONTRACTOR).start_date,
        reason="项目经理调岗",
        actor=admin,
    )
    services.lead_tenure_replace(
        tenure=lead_of(project, Role.CONTRACTOR),
        person=lead,
        effective_date=lead_of(project, Role.CONTRACTOR).start_date,
        reason="原项目经理回任",
        actor=admin,
    )

    names = [t.person_as_recorded["name"] for t in LeadTenure.objects.filter(role="contractor")]
    assert names == ["李国强", "孙副经理", "李国庆"]


def _deputy(project, admin):
    from projects import services

    return services.person_create(
        name="孙副经理",
        id_number=id_number("33010619920305162"),
        organization=organization_of(project, Role.CONTRACTOR),
        practice_qualification="registered_constructor",
        actor=admin,
    )


def test_an_operator_in_the_admin_gives_a_reason_for_an_identity_change(client, admin, project):
    person = lead_of(project, Role.CONTRACTOR).person
    client.force_login(admin)
    url = f"/admin/projects/person/{person.pk}/change/"
    form = {
        "name": "李国庆",
        "id_number": "",
        "phone": "",
        "organization": person.organization_id,
        "practice_qualification": person.practice_qualification,
        "practice_cert_no": person.practice_cert_no,
        "user": "",
        "reason": "",
    }

    refused = client.post(url, form)

    assert refused.status_code == 200
    assert "请说明修改此人身份信息的理由" in refused.content.decode()
    assert identity_of(person)[0] == "李国强"

    accepted = client.post(url, {**form, "reason": "依公安机关出具的更名证明"})

    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    assert identity_of(person)[0] == "李国庆"
    event = AuditEvent.objects.get(action="change_identity")
    assert (event.actor, event.reason) == (admin, "依公安机关出具的更名证明")
    assert event.changes == {"name": ["李国强", "李国庆"]}
