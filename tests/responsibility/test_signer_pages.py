"""The signer's pages through the Django test client: "my letters and pledges" (/documents/)
with deadlines, evidence and corrections; the signing page's "how to verify this"; the
verification page (/verify/) and its refusals; who sees what. The browser journey is
test_signer_journey.py."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from inspections import services as inspections
from ledger.models import LedgerEntry
from projects.models import Role
from responsibility import services
from responsibility.deadlines import add_working_days
from responsibility.models import ResponsibilityDocument
from responsibility.signer_views import signing_work_context
from storage.selectors import object_read_bytes
from tests.conftest import PASSWORD, lead_of
from tests.responsibility.conftest import client_for, documents_url, sign_as
from tests.responsibility.signer_data import NEW_LEAD, lead_change


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def change(project, admin, signers):
    """The contractor's lead changed today: letter and pledge due in 5 working days."""
    return lead_change(project, admin, today())


def page(client, user, url="/documents/", **kwargs):
    client.force_login(user)
    response = client.get(url, **kwargs)
    return response, response.content.decode()


def sign_on_page(client, user, document) -> None:
    client.force_login(user)
    response = client.post(f"/sign/{document.pk}/", {"password": PASSWORD, "consent": "on"})
    assert response.status_code == 302, response.content.decode()


# --- What I must sign ---


def test_the_new_lead_sees_the_pledge_due_with_the_working_days_left(change, client):
    response, html = page(client, change["user"])

    assert response.status_code == 200
    pledge = change["pledge"]
    assert f'href="/sign/{pledge.pk}/"' in html
    assert pledge.number in html
    assert "还剩 5 个工作日" in html
    due = add_working_days(today(), 5)
    assert f'签署截止 <time datetime="{due:%Y-%m-%d}">{due:%Y-%m-%d}</time>' in html
    # the letter is the legal representative's to sign, not the lead's
    assert change["letter"].number not in html


def test_the_legal_representative_sees_the_letter_naming_the_new_lead(change, signers, client):
    _response, html = page(client, signers[Role.CONTRACTOR]["rep"])

    assert change["letter"].number in html
    assert f'href="/sign/{change["letter"].pk}/"' in html
    assert "还剩 5 个工作日" in html


def test_past_the_deadline_the_documents_show_overdue(project, admin, signers, client):
    late = lead_change(project, admin, today() - datetime.timedelta(days=30))

    _response, html = page(client, late["user"])

    due = add_working_days(today() - datetime.timedelta(days=30), 5)
    assert "已逾期" in html
    assert f'签署截止 <time datetime="{due:%Y-%m-%d}">{due:%Y-%m-%d}</time>' in html


def test_a_first_lead_s_documents_have_no_deadline(project, signers, admin, client):
    services.document_prepare(project=project, role=Role.SURVEY, kind="pledge", actor=admin)

    _response, html = page(client, signers[Role.SURVEY]["lead"])

    assert "承诺书" in html
    assert "工作日" not in html
    assert "已逾期" not in html


def test_the_page_speaks_english_when_asked(change, client):
    _response, html = page(client, change["user"], HTTP_ACCEPT_LANGUAGE="en")
    assert "5 working days left" in html
    assert "My letters and pledges" in html


# --- Signed, with evidence and corrections ---


def test_signed_documents_show_the_pdf_the_evidence_and_a_correction(
    change, admin, client, signers
):
    lead = change["user"]
    sign_on_page(client, lead, change["pledge"])
    correction = services.document_correct(document=change["pledge"], actor=admin)

    _response, html = page(client, lead)
    assert correction.number in html  # the correction waits for the lead's signature
    assert "更正 " + change["pledge"].number in html

    sign_on_page(client, lead, correction)
    _response, html = page(client, lead)
    old = ResponsibilityDocument.objects.get(pk=change["pledge"].pk)
    new = ResponsibilityDocument.objects.get(pk=correction.pk)
    assert old.status == "superseded"
    assert f'href="/sign/{old.pk}/pdf/"' in html
    assert f'href="/sign/{new.pk}/pdf/"' in html
    assert f"已被更正文件 {new.number} 取代" in html
    assert '<span class="badge neutral">已被更正取代</span>' in html  # the old one stays, marked
    assert f"更正 {old.number}。" in html
    assert "session + password re-entered" in html  # how the signer authenticated
    assert "127.0.0.1" in html  # from where
    assert new.pdf.sha256 in html
    assert new.evidence.document_sha256 in html
    assert "没有等待您签署的文件" in html


def test_the_signing_page_says_how_to_verify_after_signing(change, client):
    sign_on_page(client, change["user"], change["pledge"])

    _response, html = page(client, change["user"], f"/sign/{change['pledge'].pk}/")

    signed = ResponsibilityDocument.objects.get(pk=change["pledge"].pk)
    assert 'id="pdf-link"' in html
    assert f'<code id="pdf-sha256">{signed.pdf.sha256}</code>' in html
    assert 'href="/verify/"' in html
    assert "python manage.py verify_signed_pdf" in html


# --- Sign-offs waiting for a lead ---


def test_the_leads_see_the_completion_acceptance_waiting_for_their_sign_off(
    project, signers, admin, alice, client
):
    record = inspections.record_create(
        project=project, level="completion", title="3号楼竣工验收", date=today(), actor=alice
    )
    inspections.record_submit(record=record, actor=alice)
    owner_lead = signers[Role.OWNER]["lead"]
    request = type("Request", (), {"user": owner_lead})()

    waiting = signing_work_context(request)["sign_offs_waiting"]
    assert [(w.record.pk, w.capacity) for w in waiting] == [(record.pk, "owner_lead")]
    assert signing_work_context(request, project=record.project)["to_sign_count"] == 1

    client.force_login(owner_lead)
    html = client.get("/documents/").content.decode()
    assert f'id="sign-off-{record.pk}-owner_lead"' in html
    assert "身份：建设单位项目负责人" in html

    inspections.record_sign(record=record, user=owner_lead, password=PASSWORD)
    assert signing_work_context(request)["sign_offs_waiting"] == []
    # the four other leads still have it; the legal representative, who is no lead, never
    others = [signers[role]["lead"] for role in (Role.SURVEY, Role.DESIGN, Role.CONTRACTOR)]
    for user in [*others, signers[Role.SUPERVISOR]["lead"]]:
        request = type("Request", (), {"user": user})()
        assert len(signing_work_context(request)["sign_offs_waiting"]) == 1
    request = type("Request", (), {"user": signers[Role.SURVEY]["rep"]})()
    assert signing_work_context(request)["sign_offs_waiting"] == []


def test_a_replaced_lead_is_not_asked_for_a_sign_off_dated_after_they_left(
    project, signers, admin, alice
):
    old_lead = lead_of(project, Role.CONTRACTOR).person.user
    lead_change(project, admin, today() - datetime.timedelta(days=3))
    record = inspections.record_create(
        project=project, level="completion", title="3号楼竣工验收", date=today(), actor=alice
    )
    inspections.record_submit(record=record, actor=alice)

    request = type("Request", (), {"user": old_lead})()
    assert signing_work_context(request)["sign_offs_waiting"] == []


# --- Query counts ---


def test_my_documents_page_reads_in_a_constant_number_of_queries(
    project, signers, admin, client, django_assert_max_num_queries
):
    lead = signers[Role.CONTRACTOR]["lead"]
    sign_as(lead, project, "contractor", "pledge")
    client.force_login(lead)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/documents/").status_code == 200
    one_of_each = len(few)  # now: connection.queries is reset by the next request
    assert one_of_each <= 12
    for _round in range(3):
        pledge = ResponsibilityDocument.objects.get(
            participation__role=Role.CONTRACTOR, kind="pledge", status="signed"
        )
        correction = services.document_correct(document=pledge, actor=admin)
        sign_on_page(client, lead, correction)
    pending = ResponsibilityDocument.objects.get(kind="pledge", status="signed")
    services.document_correct(document=pending, actor=admin)
    with django_assert_max_num_queries(one_of_each):
        response = client.get("/documents/")
    html = response.content.decode()
    assert html.count('class="card signed-document') == 4
    assert html.count('class="card document-to-sign') == 1


# --- The verification page ---


@pytest.fixture
def signed_pdf(change, client) -> bytes:
    sign_on_page(client, change["user"], change["pledge"])
    document = ResponsibilityDocument.objects.get(pk=change["pledge"].pk)
    return object_read_bytes(obj=document.pdf)


def upload(client, user, data: bytes, name="pledge.pdf", **extra):
    client.force_login(user)
    file = io.BytesIO(data)
    file.name = name
    return client.post("/verify/", {"file": file}, **extra)


def test_a_signed_pdf_is_verified_in_plain_words(change, signed_pdf, client, signers, alice):
    entries = LedgerEntry.objects.count()

    response = upload(client, alice, signed_pdf)

    html = response.content.decode()
    assert response.status_code == 200
    assert "核验通过：这是档案系统签署的 PDF，未经改动。" in html
    assert "文件中的档案签名有效，且覆盖整个文件。" in html
    assert "文件哈希属于一份已签署的文件，且账本记录了其签署。" in html
    assert change["pledge"].number in html
    assert NEW_LEAD in html
    assert LedgerEntry.objects.count() == entries  # verifying writes nothing


def test_an_outsider_learns_the_verdict_but_not_the_document(change, signed_pdf, client, charlie):
    response = upload(client, charlie, signed_pdf)

    html = response.content.decode()
    assert response.status_code == 200
    assert "核验通过" in html
    assert change["pledge"].number not in html
    assert NEW_LEAD not in html
    assert "一个您无权查看的项目的文件。" in html


def test_an_altered_pdf_is_not_verified_and_says_why(signed_pdf, client, alice):
    position = signed_pdf.index(b"/Author") + 3
    altered = signed_pdf[:position] + b"X" + signed_pdf[position + 1 :]

    response = upload(client, alice, altered, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not verified" in html
    assert "the PDF was altered" in html
    assert "No signed letter or pledge in the archive has this file&#x27;s SHA-256 hash." in html


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello, not a pdf", "This file is not a PDF."),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 64, "This file is not a PDF."),
        (b"%PDF-1.7\n1 0 obj garbage", "The file cannot be read as a PDF: it is damaged"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_bad_upload_is_refused_with_the_reason(client, alice, data, reason):
    response = upload(client, alice, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert 'id="verdict"' not in response.content.decode()


def test_an_oversized_file_is_refused_with_the_limit(client, alice, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = upload(client, alice, b"%PDF-1.7\n" + b"0" * 4096, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "This file is 4 KB; a signed letter or pledge is far smaller" in (
        response.content.decode()
    )


def test_a_request_over_the_upload_limit_is_refused_before_it_is_read(client, alice, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 2048

    response = upload(client, alice, b"%PDF-1.7\n" + b"0" * 8192, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "the largest accepted is 2 KB" in response.content.decode()


def test_a_post_without_a_file_is_refused(client, alice):
    client.force_login(alice)
    response = client.post("/verify/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


# --- Who sees what ---


@pytest.mark.parametrize(
    ("actor", "sees_pledge", "sees_letter", "sign_page"),
    [
        ("signer", True, False, "form"),
        ("rep", False, True, "read"),
        ("other_lead", False, False, "read"),
        ("olga", False, False, "read"),
        ("charlie", False, False, 404),
        ("dan", False, False, 404),
    ],
)
def test_each_person_sees_only_what_they_sign(
    change, signers, olga, charlie, dan, client, actor, sees_pledge, sees_letter, sign_page
):
    user = {
        "signer": change["user"],
        "rep": signers[Role.CONTRACTOR]["rep"],
        "other_lead": signers[Role.SURVEY]["lead"],
        "olga": olga,
        "charlie": charlie,
        "dan": dan,
    }[actor]

    documents, html = page(client, user)
    verify, _html = page(client, user, "/verify/")
    mine = client_for(user).get(documents_url(change["tenure"].project), {"signer": "me"})

    sign, sign_html = page(client, user, f"/sign/{change['pledge'].pk}/")
    assert (documents.status_code, verify.status_code) == (200, 200)
    if sign_page == 404:
        assert sign.status_code == 404
    else:
        assert sign.status_code == 200
        assert ('id="sign-form"' in sign_html) is (sign_page == "form")
    assert (change["pledge"].number in html) is sees_pledge
    assert (change["letter"].number in html) is sees_letter
    if actor in ("charlie", "dan"):  # not members of the project: its list is a 404
        assert mine.status_code == 404
    else:
        expected = {change["pledge"].pk} if sees_pledge else set()
        expected |= {change["letter"].pk} if sees_letter else set()
        if actor == "olga":
            expected = set()
        assert {row["id"] for row in mine.json()["results"]} == expected


def test_the_signer_pages_ask_for_a_sign_in(client):
    for url in ("/documents/", "/verify/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    assert client.post("/verify/", {}).status_code == 302


def test_the_partial_for_my_work_renders_from_its_context_function(change, rf, other_project):
    """What the lead wires into "my work": signing_work_context + the partial."""
    request = rf.get("/")
    request.user = change["user"]
    with translation.override("zh-hans"):
        html = render_to_string(
            "responsibility/partials/to_sign.html", signing_work_context(request), request=request
        )

    assert f'href="/sign/{change["pledge"].pk}/"' in html
    assert "还剩 5 个工作日" in html
    assert 'href="/documents/"' in html  # on my work, the way to the full list
    project_only = signing_work_context(request, project=change["tenure"].project)
    assert project_only["to_sign_count"] == 1
    assert signing_work_context(request, project=other_project)["to_sign_count"] == 0
