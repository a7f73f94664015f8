"""What every multipart upload meets at the boundary, before a file reaches the archive: a
one-file field sent twice is refused, and so is a body declared larger than the limit,
before any of it is read."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from ledger.models import LedgerEntry
from projects.models import ProjectDocument
from storage.models import StoredObject
from tests.projects.test_documents import permit_scan

pytestmark = pytest.mark.django_db


def named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def documents_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/documents/"


def nothing_stored() -> bool:
    return (
        not ProjectDocument.objects.exists()
        and not StoredObject.objects.exists()
        and not LedgerEntry.objects.filter(record_type="projects.projectdocument").exists()
    )


def test_two_files_under_one_file_field_are_refused_and_neither_is_kept(api_as, project, alice):
    body = {
        "title": "建筑工程施工许可证",
        "kind": "construction_permit",
        "file": [named(permit_scan(), "first.pdf"), named(permit_scan() + b"\n", "second.pdf")],
    }
    response = api_as("alice").post(documents_url(project), body, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"file": ["Send one file in “file”; this request sent 2."]}
    assert nothing_stored()


def test_a_one_value_field_sent_twice_is_refused(api_as, project, alice):
    body = {
        "title": ["施工许可证", "规划许可证"],
        "kind": "construction_permit",
        "file": named(permit_scan(), "permit.pdf"),
    }
    response = api_as("alice").post(documents_url(project), body, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"title": ["Send one value for “title”; this request sent 2."]}
    assert nothing_stored()


def test_the_same_in_chinese_for_a_chinese_reader(api_as, project, alice):
    body = {"kind": "construction_permit", "title": "许可证", "file": [named(b"a", "a.pdf")] * 2}
    api = api_as("alice")
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = api.post(documents_url(project), body, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()
    assert "只能" in response.json()["file"][0]


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(
    api_as, project, alice, settings
):
    settings.UPLOAD_REQUEST_MAX_BYTES = 51 * 1024 * 1024
    small = encode_multipart(
        BOUNDARY,
        {"title": "许可证", "kind": "construction_permit", "file": named(permit_scan(), "p.pdf")},
    )
    # The test client's body raises if anyone reads past the bytes it really has, so a 413
    # here means nothing beyond the headers was read.
    response = api_as("alice").generic(
        "POST",
        documents_url(project),
        small,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "This request is 60 MB; the largest accepted is 51 MB."
        " Send smaller files, or fewer in one request.",
        "code": "request_too_large",
    }
    assert nothing_stored()


def test_a_body_within_the_limit_is_taken(api_as, project, alice, settings):
    content = permit_scan()
    body = encode_multipart(
        BOUNDARY,
        {"title": "许可证", "kind": "construction_permit", "file": named(content, "p.pdf")},
    )
    settings.UPLOAD_REQUEST_MAX_BYTES = len(body)
    response = api_as("alice").generic(
        "POST", documents_url(project), body, content_type=MULTIPART_CONTENT
    )

    assert response.status_code == 201, response.content
    assert response.json()["size"] == len(content)


def test_a_signed_in_browser_is_refused_the_same_way_during_the_csrf_check(
    project, alice, settings
):
    """The page's uploads use the session: its CSRF check is what reads the body first."""
    settings.UPLOAD_REQUEST_MAX_BYTES = 51 * 1024 * 1024
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(alice)
    browser.get("/")  # sets the CSRF cookie, as the page does
    token = browser.cookies["csrftoken"].value
    small = encode_multipart(BOUNDARY, {"title": "许可证", "file": named(permit_scan(), "p.pdf")})

    response = browser.generic(
        "POST",
        documents_url(project),
        small,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(60 * 1024 * 1024),
        HTTP_X_CSRFTOKEN=token,
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert nothing_stored()


def test_form_fields_larger_than_their_limit_are_refused_with_413(api_as, project, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {
        "title": "许" * 1000,
        "kind": "construction_permit",
        "file": named(permit_scan(), "p.pdf"),
    }
    response = api_as("alice").post(documents_url(project), body, format="multipart")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The form fields of this request are larger than 1 KB."
        " Send files as files, not as text fields.",
        "code": "request_too_large",
    }
    assert nothing_stored()
