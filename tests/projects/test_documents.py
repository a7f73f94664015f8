import hashlib
import io
import urllib.request

import pytest
from reportlab.pdfgen import canvas

from ledger.models import LedgerEntry
from projects.models import ProjectDocument
from storage import gateway
from storage.models import StoredObject


def permit_scan() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Construction permit 330108202503120101")
    page.save()
    return buffer.getvalue()


def upload(client, project, content: bytes, **extra):
    data = {
        "title": "建筑工程施工许可证",
        "kind": "construction_permit",
        "file": io.BytesIO(content),
        **extra,
    }
    data["file"].name = "施工许可证.pdf"
    return client.post(f"/api/v1/projects/{project.pk}/documents/", data, format="multipart")


def test_a_site_supervisor_uploads_a_permit_scan_and_gets_its_hash(api_as, project, alice):
    content = permit_scan()
    response = upload(api_as("alice"), project, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == "application/pdf"
    assert body["uploaded_by"] == "alice"
    document = ProjectDocument.objects.get(pk=body["id"])
    assert LedgerEntry.objects.filter(
        record_type="projects.projectdocument", record_id=str(document.pk), action="create"
    ).exists()


def test_the_download_redirects_to_a_short_lived_url_serving_the_same_bytes(
    api_as, project, alice, reggie
):
    content = permit_scan()
    document_id = upload(api_as("alice"), project, content).json()["id"]
    response = api_as("reggie").get(
        f"/api/v1/projects/{project.pk}/documents/{document_id}/download/"
    )
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith("http://127.0.0.1:")
    assert "X-Amz-Expires=120" in url
    with urllib.request.urlopen(url, timeout=10) as fetched:  # noqa: S310 - our own S3 server
        assert hashlib.sha256(fetched.read()).hexdigest() == hashlib.sha256(content).hexdigest()


def test_an_outsider_cannot_download_or_list_a_projects_documents(api_as, project, alice, charlie):
    document_id = upload(api_as("alice"), project, permit_scan()).json()["id"]
    base = f"/api/v1/projects/{project.pk}/documents/"
    assert api_as("charlie").get(f"{base}{document_id}/download/").status_code == 404
    assert api_as("charlie").get(base).status_code == 404


def test_a_regulator_cannot_upload_documents(api_as, project, reggie):
    response = upload(api_as("reggie"), project, permit_scan())
    assert response.status_code == 403
    assert not ProjectDocument.objects.exists()


def test_a_file_that_is_not_a_scan_is_refused_with_the_accepted_types(api_as, project, alice):
    response = upload(api_as("alice"), project, b"just some text, not a permit\n")
    assert response.status_code == 400
    assert "Accepted types" in str(response.json()) or "looks like" in str(response.json())
    assert not ProjectDocument.objects.exists()
    assert not StoredObject.objects.exists()


def test_a_wrong_declared_hash_is_refused_and_nothing_is_stored(api_as, project, alice):
    response = upload(api_as("alice"), project, permit_scan(), sha256="0" * 64)
    assert response.status_code == 400
    assert not ProjectDocument.objects.exists()
    assert not StoredObject.objects.exists()


def test_an_unknown_document_kind_is_refused_before_anything_is_stored(api_as, project, alice):
    response = upload(api_as("alice"), project, permit_scan(), kind="selfie")
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not StoredObject.objects.exists()


@pytest.mark.slow
def test_an_upload_while_the_file_store_is_down_is_a_503_and_saves_nothing(
    api_as, project, alice, s3_server
):
    entries_before = LedgerEntry.objects.count()
    s3_server.stop()
    gateway.reset()
    try:
        response = upload(api_as("alice"), project, permit_scan())
    finally:
        s3_server.start()
        gateway.reset()
    assert response.status_code == 503
    assert "file store is unavailable" in response.json()["detail"]
    assert not ProjectDocument.objects.exists()
    assert not StoredObject.objects.exists()
    assert LedgerEntry.objects.count() == entries_before
