"""A regulator may see a person's full ID or phone number, explicitly, with a reason, and
every such reveal is in the audit log and the ledger; nobody else sees more than the mask."""

import pytest

from ledger.models import LedgerEntry
from projects import services
from projects.models import AuditEvent, Membership, Role
from tests.conftest import id_number, lead_of


def reveal_url(person):
    return f"/api/v1/people/{person.pk}/reveal/"


@pytest.fixture
def lead(project):
    return lead_of(project, Role.CONTRACTOR).person


def test_a_regulator_reveals_an_id_number_with_a_reason_and_it_is_audited(
    api_as, project, lead, reggie
):
    client = api_as("reggie")
    response = client.post(
        reveal_url(lead),
        {"field": "id_number", "reason": "质量事故调查，核对项目负责人身份"},
        format="json",
        HTTP_USER_AGENT="regulator-laptop/1.0",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["value"] == id_number("33018319850609241")  # 李国强's, in full
    assert response["Cache-Control"] == "no-store"

    event = AuditEvent.objects.get(pk=body["audit_event"])
    assert (event.actor, event.action) == (reggie, "reveal_id_number")
    assert event.subject_id == str(lead.pk)
    assert event.reason == "质量事故调查，核对项目负责人身份"
    assert event.user_agent == "regulator-laptop/1.0"
    assert event.remote_address == "127.0.0.1"
    assert body["value"] not in str(event.__dict__)  # the number itself is never kept
    assert LedgerEntry.objects.filter(
        record_type="projects.auditevent", record_id=str(event.pk), action="event"
    ).exists()

    phone = client.post(
        reveal_url(lead), {"field": "phone", "reason": "联系项目负责人到场"}, format="json"
    )
    assert phone.json()["value"] == "13805710000"


def test_a_reveal_needs_a_reason_and_a_known_field(api_as, project, lead, reggie):
    client = api_as("reggie")
    for body, field in (
        ({"field": "id_number"}, "reason"),
        ({"field": "id_number", "reason": "看看"}, "reason"),
        ({"field": "address", "reason": "质量事故调查"}, "field"),
    ):
        response = client.post(reveal_url(lead), body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()
    assert (
        "at least 5 characters"
        in client.post(
            reveal_url(lead), {"field": "id_number", "reason": "看看"}, format="json"
        ).json()["reason"][0]
    )
    assert not AuditEvent.objects.exists()


def test_nobody_but_a_regulator_of_the_persons_projects_reveals(
    api_as, project, lead, alice, olga, charlie, rita, admin
):
    body = {"field": "id_number", "reason": "质量事故调查，核对身份"}
    for name, status in (
        ("alice", 403),
        ("olga", 403),
        ("admin", 403),
        ("charlie", 404),
        ("rita", 404),
    ):
        response = api_as(name).post(reveal_url(lead), body, format="json")
        assert response.status_code == status, name
        assert "value" not in response.json()
    assert not AuditEvent.objects.exists()


def test_the_audit_log_shows_regulators_their_jurisdiction_and_nobody_else(
    api_as, project, lead, reggie, rita, alice, admin
):
    api_as("reggie").post(
        reveal_url(lead), {"field": "id_number", "reason": "质量事故调查，核对身份"}, format="json"
    )
    [event] = api_as("reggie").get("/api/v1/audit-events/").json()["results"]
    assert (event["actor"], event["action"], event["reason"]) == (
        "reggie",
        "reveal_id_number",
        "质量事故调查，核对身份",
    )
    assert api_as("admin").get("/api/v1/audit-events/?action=reveal_id_number").json()["count"] == 1
    assert api_as("admin").get("/api/v1/audit-events/?action=export_package").json()["count"] == 0
    assert api_as("rita").get("/api/v1/audit-events/").json()["count"] == 0
    response = api_as("alice").get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert "regulators and archive operators" in response.json()["detail"]


def test_a_regulator_reveals_by_jurisdiction_not_by_the_projects_they_belong_to(
    api_as, project, other_project, lead, reggie, rita, charlie, admin
):
    """rita (Jiangsu) is also a member of alice's project in Hangzhou: she sees its people,
    but revealing their numbers is for Hangzhou's regulators only. In her own province she
    still reveals as before."""
    services.membership_create(
        user=rita, project=project, role=Membership.Role.LEGAL_REPRESENTATIVE, actor=admin
    )
    body = {"field": "id_number", "reason": "质量事故调查，核对身份"}
    client = api_as("rita")
    assert client.get(f"/api/v1/people/{lead.pk}/").status_code == 200
    response = client.post(reveal_url(lead), body, format="json")
    assert response.status_code == 403
    assert "people of projects in your jurisdiction" in response.json()["detail"]
    assert "value" not in response.json()
    assert not AuditEvent.objects.exists()

    own = client.post(reveal_url(charlie.person), body, format="json")  # Nanjing: hers
    assert own.status_code == 200, own.content
    assert AuditEvent.objects.filter(actor=rita).count() == 1
