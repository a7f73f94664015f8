"""Bodies no write endpoint can read: each is refused with a 400 that says what is wrong, and
nothing is written. A body reaches a service only as a serializer's validated data."""

from __future__ import annotations

import json

import pytest

from ledger.models import LedgerEntry
from projects.models import Role
from responsibility.models import ResponsibilityDocument
from tests.responsibility.conftest import client_for, documents_url, prepare, sign_as

NOT_AN_OBJECT = "The request body must be a JSON object of named fields"
KEYWORDS = [{"document": 1}, {"actor": 1}]  # the service's own argument names
NOT_OBJECTS = [[1, 2], "x", None, 3]


def send(api, method: str, url: str, body):
    return getattr(api, method)(url, json.dumps(body), content_type="application/json")


def detail_url(project, document_id) -> str:
    return f"{documents_url(project)}{document_id}/"


@pytest.fixture
def draft(project, signers):
    response = prepare(
        client_for(signers[Role.CONTRACTOR]["lead"]), project, "contractor", "pledge"
    )
    assert response.status_code == 201, response.json()
    return ResponsibilityDocument.objects.get(pk=response.json()["id"])


def _unchanged(document: ResponsibilityDocument, entries: int) -> None:
    stored = ResponsibilityDocument.objects.get(pk=document.pk)
    assert (stored.text, stored.status, stored.signed_at) == (
        document.text,
        document.status,
        document.signed_at,
    )
    assert LedgerEntry.objects.count() == entries


@pytest.mark.parametrize("body", KEYWORDS, ids=["document", "actor"])
def test_a_draft_is_not_edited_whatever_fields_are_sent(project, draft, api_as, body):
    entries = LedgerEntry.objects.count()

    response = send(api_as("alice"), "patch", detail_url(project, draft.pk), body)

    assert response.status_code == 400
    assert "A document's text comes from its template" in str(response.json())
    assert "prepare it again" in str(response.json())
    _unchanged(draft, entries)


@pytest.mark.parametrize("body", KEYWORDS, ids=["document", "actor"])
def test_a_signed_document_is_not_edited_whatever_fields_are_sent(project, signers, api_as, body):
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    document = ResponsibilityDocument.objects.get(pk=signed["id"])
    entries = LedgerEntry.objects.count()

    response = send(api_as("alice"), "patch", detail_url(project, document.pk), body)

    assert response.status_code == 400
    assert "cannot be changed or deleted" in str(response.json())
    _unchanged(document, entries)


@pytest.mark.parametrize("body", NOT_OBJECTS, ids=["list", "string", "null", "number"])
def test_a_body_that_is_not_an_object_is_refused_with_a_message(project, draft, api_as, body):
    entries = LedgerEntry.objects.count()

    response = send(api_as("alice"), "patch", detail_url(project, draft.pk), body)

    assert response.status_code == 400
    assert NOT_AN_OBJECT in response.json()["non_field_errors"][0]
    _unchanged(draft, entries)


def test_the_schema_describes_the_documents_update_body(api_as):
    schema = api_as("admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    path = "/api/v1/projects/{project_id}/responsibility-documents/{document_id}/"

    body = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]

    assert body["schema"]["$ref"].endswith("/PatchedDocumentUpdateInputRequest")


# Every write endpoint reads its body through ApiView.input: one per app, with an actor who
# may write there, so the refusal comes from the body and not from the access check.
WRITES = [
    ("admin", "post", "/api/v1/organizations/"),
    ("admin", "post", "/api/v1/projects/"),
    ("alice", "patch", "/api/v1/projects/{project}/"),
    ("alice", "post", "/api/v1/projects/{project}/unit-works/"),
    ("reggie", "post", "/api/v1/people/{person}/reveal/"),
    ("leo", "post", "/api/v1/projects/{project}/responsibility-documents/"),
    ("alice", "post", "/api/v1/signing/reauthenticate/"),
    ("alice", "post", "/api/v1/projects/{project}/deliveries/"),
    ("alice", "post", "/api/v1/projects/{project}/acceptance-records/"),
]


@pytest.mark.parametrize(("actor", "method", "url"), WRITES)
@pytest.mark.parametrize("body", NOT_OBJECTS[:2], ids=["list", "string"])
def test_no_write_endpoint_reads_a_body_that_is_not_an_object(
    project, api_as, actor, method, url, body
):
    url = url.format(project=project.pk, person=project.lead_tenures.first().person_id)
    entries = LedgerEntry.objects.count()

    response = send(api_as(actor), method, url, body)

    assert response.status_code == 400, response.content
    assert NOT_AN_OBJECT in response.json()["non_field_errors"][0]
    assert LedgerEntry.objects.count() == entries
