"""An app process killed with SIGKILL in the middle of signing a document: the signed PDF
is in the object store, the document's rows are not committed. Afterwards the document is
unsigned (no half-signed document: no PDF pointer, no signing evidence, no ledger entry), the
PDF's version is an orphan under a legal hold that the reconciler reports, and signing again
works.

The kill lands between the PDF's put and the document's row update for real: the test holds
the document's row lock (SELECT … FOR UPDATE) from a connection of its own, so the app's
``_sign_record`` waits there after the put; once PostgreSQL shows it waiting, the gunicorn
worker is killed."""

from __future__ import annotations

import secrets
import threading

import pytest
import requests
from django.conf import settings

from ledger.models import LedgerEntry
from projects.models import Role
from responsibility.models import ResponsibilityDocument, SigningEvidence
from storage import gateway
from storage.models import StoredObject
from tests.faults.apps import (
    AppServer,
    held_lock,
    kill_workers,
    session_database_url,
    wait_for_blocked_backend,
    wait_for_no_transaction_open,
)
from tests.inspections.test_killed_upload import reconcile_out
from tests.responsibility.conftest import (
    client_for,
    documents_url,
    prepare,
    reauthenticate,
    sign,
)


@pytest.fixture
def app(transactional_db, tmp_path):
    server = AppServer(
        database_url=session_database_url(), var_dir=tmp_path / "var", workers=1, threads=1
    )
    server.start()
    yield server
    server.stop()


def archive_versions() -> set[tuple[str, str]]:
    return {(v.key, v.version_id) for v in gateway.list_versions(settings.S3_ARCHIVE_BUCKET)}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_the_pdf_put_and_the_signature_leaves_no_half_signed_document(
    app, project, signers
):
    user = signers[Role.CONTRACTOR]["lead"]
    api = client_for(user)
    created = prepare(api, project, Role.CONTRACTOR, "pledge")
    assert created.status_code == 201, created.content
    document_id = created.json()["id"]
    assert reauthenticate(api).status_code == 204
    before = (StoredObject.objects.count(), LedgerEntry.objects.count())
    versions_before = archive_versions()
    # The signer's own session (re-authenticated), sent to the app server like a browser does.
    csrf = secrets.token_hex(16)
    cookies = {"sessionid": api.cookies["sessionid"].value, "csrftoken": csrf}
    outcome = {}

    def sign_over_http():
        try:
            outcome["response"] = requests.post(
                f"{app.base}{documents_url(project)}{document_id}/sign/",
                files={"consent": (None, "true")},  # multipart, as the page sends
                cookies=cookies,
                headers={"X-CSRFToken": csrf, "Accept-Language": "en"},
                timeout=120,
            )
        except requests.RequestException as exc:
            outcome["error"] = exc

    table = ResponsibilityDocument._meta.db_table
    lock = f"SELECT 1 FROM {table} WHERE id = {int(document_id)} FOR UPDATE"  # noqa: S608 - ints
    with held_lock(lock):
        thread = threading.Thread(target=sign_over_http)
        thread.start()
        try:
            wait_for_blocked_backend(until_done=lambda: not thread.is_alive())
        except AssertionError:
            thread.join()
            answer = outcome.get("response")
            raise AssertionError(
                answer.text[:2000] if answer is not None else outcome
            ) from None  # the PDF is put; the document's update waits
        landed = archive_versions() - versions_before
        kill_workers(app)
        thread.join(timeout=60)
    wait_for_no_transaction_open()

    assert "error" in outcome, getattr(outcome.get("response"), "text", outcome)
    ((key, version),) = landed  # the signed PDF, and only it
    document = ResponsibilityDocument.objects.get(pk=document_id)
    assert document.status == ResponsibilityDocument.Status.DRAFT
    assert document.pdf_id is None
    assert not SigningEvidence.objects.filter(document=document).exists()
    assert (StoredObject.objects.count(), LedgerEntry.objects.count()) == before
    on_server = gateway.stat(settings.S3_ARCHIVE_BUCKET, key, version_id=version)
    assert on_server.content_type == "application/pdf"
    assert on_server.legal_hold is True
    assert on_server.retention_until is None
    out = reconcile_out()
    assert f"orphan (no record): {settings.S3_ARCHIVE_BUCKET}/{key} {version}" in out
    assert "under a legal hold" in out

    # The signer signs again: one signed document, its PDF under retention.
    response = sign(api, project, document_id)
    assert response.status_code == 200, response.content
    document.refresh_from_db()
    assert document.status == ResponsibilityDocument.Status.SIGNED
    assert SigningEvidence.objects.filter(document=document).count() == 1
    pdf = document.pdf
    info = gateway.stat(pdf.bucket, pdf.key, version_id=pdf.version_id)
    assert info.retention_until == pdf.retention_until
    assert info.legal_hold is False
