import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.models import LedgerEntry
from projects.models import Role
from responsibility.models import ResponsibilityDocument
from storage.selectors import object_read_bytes
from tests.responsibility.conftest import (
    client_for,
    documents_url,
    sign_all,
    sign_as,
)


def detail_url(project, document):
    return f"{documents_url(project)}{document['id']}/"


def test_a_signed_pledge_cannot_be_edited_or_deleted(project, signers, api_as):
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    api = api_as("alice")

    edit = api.patch(detail_url(project, signed), {"text": "改过的文本"}, format="json")
    delete = api.delete(detail_url(project, signed))

    assert edit.status_code == 400
    assert "cannot be changed or deleted" in str(edit.json())
    assert "prepare a correction" in str(edit.json())
    assert delete.status_code == 400
    document = ResponsibilityDocument.objects.get(pk=signed["id"])
    assert document.text == signed["text"]
    assert document.status == "signed"


def test_the_admin_cannot_change_or_delete_a_signed_document(project, signers, admin, client):
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    client.force_login(admin)
    url = f"/admin/responsibility/responsibilitydocument/{signed['id']}/"

    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert client.get(url + "change/").status_code == 200  # shown, read only
    assert ResponsibilityDocument.objects.filter(pk=signed["id"]).exists()


def test_a_draft_can_be_discarded(project, signers, api_as):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = api.post(
        documents_url(project), {"role": "contractor", "kind": "pledge"}, format="json"
    ).json()

    assert api_as("alice").delete(detail_url(project, draft)).status_code == 204
    assert not ResponsibilityDocument.objects.filter(pk=draft["id"]).exists()


def test_a_correction_supersedes_the_signed_pledge_and_both_are_kept(project, signers, api_as):
    lead = signers[Role.CONTRACTOR]["lead"]
    first = sign_as(lead, project, "contractor", "pledge")
    correction = api_as("alice").post(detail_url(project, first) + "correct/")
    assert correction.status_code == 201
    assert correction.json()["supersedes"] == first["id"]

    api = client_for(lead)
    api.post("/api/v1/signing/reauthenticate/", {"password": "correct-horse-2026"})
    signed = api.post(detail_url(project, correction.json()) + "sign/", {"consent": "true"})

    assert signed.status_code == 200, signed.json()
    old = ResponsibilityDocument.objects.get(pk=first["id"])
    assert old.status == "superseded"
    assert old.pdf is not None
    assert LedgerEntry.objects.filter(
        record_id=str(old.pk), action=LedgerEntry.Action.SUPERSEDE
    ).exists()
    listed = api_as("reggie").get(documents_url(project)).json()["results"]
    assert {d["status"] for d in listed} == {"signed", "superseded"}


def test_the_gate_lists_exactly_what_is_missing(project, signers, api_as):
    sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")

    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/advance/", {"to_stage": "under_supervision"}
    )

    assert response.status_code == 400
    messages = response.json()["to_stage"]
    assert "The project cannot enter quality supervision yet." in messages
    assert len(messages) == 1 + 9
    assert "The construction contractor has no signed authorization letter for 李国强." in messages
    assert not any("lifetime responsibility pledge for 李国强" in m for m in messages)


def test_a_permit_number_is_recorded_only_after_everything_is_signed(project, signers, api_as):
    url = f"/api/v1/projects/{project.pk}/"
    refused = api_as("alice").patch(url, {"permit_number": "330108202512010001"}, format="json")
    assert refused.status_code == 400
    assert (
        "The construction permit number cannot be recorded yet." in refused.json()["permit_number"]
    )

    sign_all(project, signers)

    accepted = api_as("alice").patch(url, {"permit_number": "330108202512010001"}, format="json")
    assert accepted.status_code == 200
    advanced = api_as("alice").post(f"{url}advance/", {"to_stage": "under_supervision"})
    assert advanced.status_code == 200


def test_the_gaps_endpoint_shows_what_is_left(project, signers, api_as):
    sign_all(project, signers)
    response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/responsibility-gaps/")
    assert response.json() == {"missing": []}


# --- Verification ---


@pytest.fixture
def signed_pdf(project, signers):
    signed = sign_as(signers[Role.SUPERVISOR]["lead"], project, "supervisor", "pledge")
    document = ResponsibilityDocument.objects.get(pk=signed["id"])
    return object_read_bytes(obj=document.pdf)


def verify(api, data: bytes):
    import io

    upload = io.BytesIO(data)
    upload.name = "pledge.pdf"
    return api.post("/api/v1/signed-pdfs/verify/", {"file": upload}, format="multipart")


def test_a_signed_pdf_verifies(signed_pdf, api_as):
    assert signed_pdf.startswith(b"%PDF")
    response = verify(api_as("reggie"), signed_pdf)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True, body
    assert body["signer"] == "张伟"


def test_a_pdf_with_one_changed_byte_fails_in_plain_words(signed_pdf, api_as):
    position = signed_pdf.index(b"/Author") + 3
    damaged = signed_pdf[:position] + b"X" + signed_pdf[position + 1 :]

    body = verify(api_as("reggie"), damaged).json()

    assert body["valid"] is False
    assert "altered" in " ".join(body["problems"])
    assert (
        "No signed letter or pledge in the archive has this file's SHA-256 hash."
        in (body["problems"])
    )


def test_a_file_that_is_not_a_pdf_fails_verification(api_as, db, actors):
    body = verify(api_as("charlie"), b"hello").json()
    assert body["valid"] is False
    assert "cannot be read as a PDF" in body["problems"][0]


def test_verify_signed_pdf_command(signed_pdf, tmp_path, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(signed_pdf)
    call_command("verify_signed_pdf", str(good))
    assert "VALID" in capsys.readouterr().out

    bad = tmp_path / "bad.pdf"
    bad.write_bytes(signed_pdf[:-200] + b"0" + signed_pdf[-199:])
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("verify_signed_pdf", str(bad))


def test_the_document_list_costs_the_same_queries_however_many_documents(project, signers, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_as(signers[Role.OWNER]["rep"], project, "owner", "letter")
    api = api_as("reggie")
    with CaptureQueriesContext(connection) as one:
        api.get(documents_url(project))
    for role, users in signers.items():
        sign_as(users["lead"], project, role, "pledge")
    with CaptureQueriesContext(connection) as six:
        response = api.get(documents_url(project))

    assert response.json()["count"] == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_a_new_project_cannot_carry_a_permit_number_past_the_gate(api_as, reggie, admin):
    from projects.models import Project

    before = Project.objects.count()
    refused = api_as("admin").post(
        "/api/v1/projects/",
        {
            "name": "带许可证号新建的项目",
            "jurisdiction_code": "330108",
            "permit_number": "330108202512019999",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert (
        "The construction permit number cannot be recorded yet." in refused.json()["permit_number"]
    )
    assert Project.objects.count() == before
