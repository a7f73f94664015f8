"""The audited reveal and the audit log as pages, through the Django client: the number shown
once and never cached, every refusal in words and nothing logged; the log's access, filters
(bad ones a 400 that says what is wrong), pages and constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from projects import services
from projects.models import AuditEvent, Membership, Role
from tests.conftest import id_number, lead_of

FULL = id_number("33018319850609241")  # the contractor lead 李国强's ID number
REASON = "质量事故调查，核对项目负责人身份"


def page_client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def lead(project):
    return lead_of(project, Role.CONTRACTOR).person


def reveal_url(person) -> str:
    return f"/people/{person.pk}/reveal/"


# --- The reveal ---


def test_a_regulator_reveals_an_id_number_once_with_a_reason_and_it_is_logged(
    project, lead, reggie
):
    client = page_client(reggie)
    form = client.get(reveal_url(lead) + "?field=id_number&next=/projects/1/archive/")
    assert form.status_code == 200
    assert FULL not in form.content.decode()
    assert "The reveal is logged" in form.content.decode()

    response = client.post(reveal_url(lead), {"field": "id_number", "reason": REASON})
    assert response.status_code == 200
    page = response.content.decode()
    assert FULL in page
    assert "this reveal is logged" in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.reason) == (reggie, "reveal_id_number", REASON)
    assert event.subject_id == str(lead.pk)
    assert FULL not in str(event.__dict__)
    assert FULL not in str(dict(client.session))  # not kept in the session either

    # Shown once: opening the form again shows the mask, not the number.
    assert FULL not in client.get(reveal_url(lead)).content.decode()


def test_the_dialog_gets_the_answer_alone(project, lead, reggie):
    response = page_client(reggie).post(
        reveal_url(lead),
        {"field": "phone", "reason": "联系项目负责人到场"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "13805710000" in body
    assert "data-revealed" in body
    assert "<html" not in body
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"field": "id_number"}, "at least 5 characters"),
        ({"field": "id_number", "reason": "看看"}, "at least 5 characters"),
        ({"field": "address", "reason": REASON}, "Select a valid choice"),
    ],
    ids=["no-reason", "short-reason", "unknown-field"],
)
def test_a_reveal_without_a_good_reason_is_refused_in_words(project, lead, reggie, data, message):
    for headers in ({}, {"HTTP_X_REQUESTED_WITH": "fetch"}):
        response = page_client(reggie).post(reveal_url(lead), data, **headers)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert FULL not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_a_phone_number_nobody_recorded_cannot_be_revealed(project, reggie, admin):
    lead = lead_of(project, Role.OWNER).person
    services.person_update(person=lead, phone="", actor=admin)
    response = page_client(reggie).post(reveal_url(lead), {"field": "phone", "reason": REASON})
    assert response.status_code == 400
    assert "No phone number is on record" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_nobody_but_a_regulator_of_the_persons_projects_reveals(
    project, other_project, lead, alice, admin, rita, charlie, reggie
):
    """A site supervisor and an operator are told why (403); a regulator of another
    province, and a member of another project, do not see the person at all (404); the
    regulator's own jurisdiction does not cover a person of another province's project."""
    data = {"field": "id_number", "reason": REASON}
    for user, status, words in (
        (alice, 403, "Only a regulator can reveal"),
        (admin, 403, "Only a regulator can reveal"),
        (rita, 404, "does not say which"),
        (charlie, 404, "does not say which"),
    ):
        for method in ("get", "post"):
            response = getattr(page_client(user), method)(reveal_url(lead), data)
            assert response.status_code == status, (user.username, method)
            assert words in response.content.decode()
            assert FULL not in response.content.decode()
    outsider = charlie.person  # of a project in Jiangsu: not one of reggie's people
    assert page_client(reggie).post(reveal_url(outsider), data).status_code == 404
    services.membership_create(
        user=rita, project=project, role=Membership.Role.LEGAL_REPRESENTATIVE, actor=admin
    )
    refused = page_client(rita).post(reveal_url(lead), data)
    assert refused.status_code == 403
    assert "in your jurisdiction only" in refused.content.decode()
    anonymous = page_client(None).post(reveal_url(lead), data)
    assert anonymous.status_code == 302
    assert not AuditEvent.objects.exists()


# --- The audit log ---


def listed(response) -> str:
    """The log's rows (not its filters, whose choices name every kind of event)."""
    page = response.content.decode()
    return page.partition('id="audit-events"')[2]


def reveal(user, person, reason=REASON, field="id_number"):
    return services.person_reveal(person=person, field=field, reason=reason, actor=user)


def test_the_audit_log_lists_who_revealed_what_and_why_never_the_number(project, lead, reggie):
    reveal(reggie, lead)
    page = page_client(reggie).get("/audit/").content.decode()
    assert REASON in page
    assert "revealed an ID number" in page
    assert lead.name in page
    assert FULL not in page
    assert 'aria-current="page"' in page  # the console's tab


def test_an_export_that_failed_says_so_and_why(project, reggie, admin):
    event = services.audit_event_record(
        actor=admin,
        action=AuditEvent.Action.EXPORT_PACKAGE,
        project=project,
        outcome=AuditEvent.Outcome.STARTED,
    )
    services.audit_event_outcome(
        event=event, outcome=AuditEvent.Outcome.FAILED, detail="the object store is unreachable"
    )
    page = page_client(reggie).get("/audit/").content.decode()
    assert '<span class="badge failed"' in page
    assert "the object store is unreachable" in page


def test_the_audit_log_is_for_regulators_and_operators(project, lead, reggie, rita, alice, admin):
    reveal(reggie, lead)
    refused = page_client(alice).get("/audit/")
    assert refused.status_code == 403
    assert "The audit log is for regulators and archive operators." in refused.content.decode()
    assert REASON in page_client(admin).get("/audit/").content.decode()
    other = page_client(rita).get("/audit/")  # another province's regulator: not this event
    assert other.status_code == 200
    assert REASON not in other.content.decode()
    assert page_client(None).get("/audit/").status_code == 302


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "Enter a valid date"),
        ("until=2026-13-01", "Enter a valid date"),
        ("since=2026-05-02&until=2026-05-01", "The end date is before the start date"),
        ("action=delete_everything", "Select a valid choice"),
        ("project=abc", "Select a valid choice"),
        ("project=999999", "Select a valid choice"),
        ("actor=999999", "Select a valid choice"),
        ("page=abc", "The page number must be a whole number"),
        ("page=0", "The page number must be a whole number"),
        ("page=7", "There is no page 7"),
    ],
)
def test_bad_filters_are_refused_with_what_is_wrong(project, lead, reggie, query, message):
    reveal(reggie, lead)
    response = page_client(reggie).get("/audit/?" + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert REASON not in page  # nothing listed under a filter that was not applied


def test_the_filters_narrow_the_log(project, lead, reggie, admin):
    reveal(reggie, lead)
    reveal(reggie, lead, reason="联系项目负责人到场核查", field="phone")
    services.audit_event_record(
        actor=admin, action=AuditEvent.Action.EXPORT_PACKAGE, subject=project, project=project
    )
    client = page_client(reggie)
    only_phone = listed(client.get("/audit/?action=reveal_phone"))
    assert "联系项目负责人到场核查" in only_phone
    assert REASON not in only_phone
    by_project = listed(client.get(f"/audit/?project={project.pk}"))
    assert "exported an archive package" in by_project
    assert REASON not in by_project
    by_actor = listed(client.get(f"/audit/?actor={reggie.pk}"))
    assert REASON in by_actor
    assert "exported an archive package" not in by_actor
    today = datetime.date.today()
    assert REASON in client.get(f"/audit/?since={today}&until={today}").content.decode()
    later = today + datetime.timedelta(days=2)
    empty = client.get(f"/audit/?since={later}")
    assert empty.status_code == 200
    assert "No event matches." in empty.content.decode()


# Session, user, the layout's role (regulator account); the filters' projects and people;
# the count and the page of events (with actors and projects); the badges (four).
LOG_QUERIES = 11


def test_the_audit_log_reads_in_constant_queries_and_pages(
    project, lead, reggie, django_assert_max_num_queries, monkeypatch
):
    reveal(reggie, lead)
    call_command("ledger_checkpoint", verbosity=0)
    client = page_client(reggie)
    with django_assert_max_num_queries(LOG_QUERIES):
        assert client.get("/audit/").status_code == 200
    for n in range(12):
        reveal(reggie, lead, reason=f"第{n}次核查项目负责人身份")
    call_command("ledger_checkpoint", verbosity=0)
    monkeypatch.setattr("projects.audit_views.PAGE_SIZE", 5)
    with django_assert_max_num_queries(LOG_QUERIES):
        first = client.get("/audit/").content.decode()
    assert "第11次" in first  # newest first
    assert "第0次" not in first
    assert "Page 1 of 3" in first
    last = client.get("/audit/?page=3").content.decode()
    assert REASON in last  # the oldest


def test_a_reveal_made_from_a_project_is_filed_under_it_for_the_jurisdiction(
    project, other_project, lead, reggie, admin
):
    """Opened from a project's archive, the reveal is the project's event: its filter finds
    it and the jurisdiction's other regulators see it; a project the person has nothing to do
    with (or outside the jurisdiction) is refused rather than recorded."""
    colleague = get_user_model().objects.create_user(username="colleague", password="pw-colleague")
    services.regulator_account_create(
        user=colleague,
        agency="杭州市建设工程质量安全监督总站",
        jurisdiction_code="330100",
        actor=admin,
    )
    client = page_client(reggie)
    url = reveal_url(lead) + f"?project={project.pk}"
    response = client.post(url, {"field": "id_number", "reason": REASON})
    assert response.status_code == 200
    assert AuditEvent.objects.get().project == project

    log = page_client(colleague).get("/audit/", {"project": project.pk}).content.decode()
    assert REASON in log
    assert FULL not in log

    for wrong in (other_project.pk, 999999, "x"):
        refused = client.post(
            reveal_url(lead) + f"?project={wrong}", {"field": "id_number", "reason": REASON}
        )
        assert refused.status_code == 404
    assert AuditEvent.objects.count() == 1
