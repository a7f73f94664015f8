"""An app process killed with SIGKILL in the middle of a photo upload: the original is in the
object store, the rows are not committed. Afterwards no row points at a missing object, the
version without a row is an orphan under a legal hold (not a retained version), the
reconciler reports it, and ``reconcile_storage --remove-orphans`` removes it once past the
grace period — never a retained version, never one a row points at.

The kill lands at that moment for real: the test holds a SHARE lock on the stored-file table
from a connection of its own, so the app's insert waits there after its puts landed; once
PostgreSQL shows the app's backend waiting for that lock, the gunicorn worker is killed."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from knox.models import AuthToken

from inspections.models import Photo
from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectProtected
from storage.models import StoredObject
from storage.services import default_retention_until, object_key
from tests.faults.apps import (
    AppServer,
    held_lock,
    kill_workers,
    session_database_url,
    wait_for_blocked_backend,
    wait_for_no_transaction_open,
)
from tests.inspections import photos
from tests.inspections.conftest import url


def reconcile_out(*args) -> str:
    out = io.StringIO()
    call_command("reconcile_storage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def app(transactional_db, tmp_path):
    server = AppServer(
        database_url=session_database_url(), var_dir=tmp_path / "var", workers=1, threads=1
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_the_put_and_the_commit_leaves_a_held_orphan_only(
    app, alice, project, tree
):
    token = AuthToken.objects.create(user=alice)[1]
    data = photos.jpeg((1600, 1200))
    sha256 = hashlib.sha256(data).hexdigest()
    key = object_key(sha256)
    before = (Photo.objects.count(), StoredObject.objects.count(), LedgerEntry.objects.count())
    endpoint = f"{app.base}{url(project, tree['lot'], 'photos')}"

    def post():
        return requests.post(
            endpoint,
            files={"files": ("killed.jpg", data, "image/jpeg")},
            headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
            timeout=120,
        )

    outcome = {}

    def upload():
        try:
            outcome["response"] = post()
        except requests.RequestException as exc:
            outcome["error"] = exc

    with held_lock("LOCK TABLE storage_storedobject IN SHARE MODE"):
        thread = threading.Thread(target=upload)
        thread.start()
        try:
            wait_for_blocked_backend(until_done=lambda: not thread.is_alive())
        except AssertionError:
            thread.join()
            answer = outcome.get("response")
            raise AssertionError(
                answer.text[:2000] if answer is not None else outcome
            ) from None  # the puts have landed; the insert waits
        on_server = gateway.stat(settings.S3_ARCHIVE_BUCKET, key)
        kill_workers(app)
        thread.join(timeout=60)
    wait_for_no_transaction_open()

    # The client saw the connection die, not an answer.
    assert "error" in outcome, outcome
    # Nothing was committed: no photo, no stored-file row, no ledger entry.
    assert (
        Photo.objects.count(),
        StoredObject.objects.count(),
        LedgerEntry.objects.count(),
    ) == before
    # The original is in the store under a legal hold, without a retention: removable.
    assert on_server.legal_hold is True
    assert on_server.retention_until is None
    with pytest.raises(ObjectProtected):
        gateway.remove(settings.S3_ARCHIVE_BUCKET, key, version_id=on_server.version_id)

    # The reconciler reports it as an orphan under a legal hold; the dry run within the
    # grace period keeps it.
    out = reconcile_out()
    assert f"orphan (no record): {settings.S3_ARCHIVE_BUCKET}/{key} {on_server.version_id}" in out
    assert "under a legal hold" in out
    out = reconcile_out("--remove-orphans", "--older-than", "7d")
    assert f"kept (younger than the grace period): {settings.S3_ARCHIVE_BUCKET}/{key}" in out

    # The phone sends it again: the new app worker takes it, and its row points at a version
    # that is in the store, under its retention, with the hold lifted.
    response = post()
    assert response.status_code == 201, response.text
    photo = Photo.objects.get(original__sha256=sha256)
    stored = photo.original
    info = gateway.stat(stored.bucket, stored.key, version_id=stored.version_id)
    assert info.legal_hold is False
    assert info.retention_until == stored.retention_until
    assert stored.version_id != on_server.version_id

    # A version under retention without a row (as left before this protocol) is never
    # removed; the killed upload's version is, past the grace period, after a dry run.
    retained = b"retained, without a row"
    kept = gateway.put(
        settings.S3_ARCHIVE_BUCKET,
        "orphans/retained.bin",
        data=io.BytesIO(retained),
        length=len(retained),
        content_type="application/octet-stream",
        retention_until=default_retention_until(),
    )
    out = reconcile_out("--remove-orphans", "--older-than", "0m")
    assert f"would remove: {settings.S3_ARCHIVE_BUCKET}/{key} {on_server.version_id}" in out
    assert "A dry run: nothing was deleted." in out
    assert gateway.stat(settings.S3_ARCHIVE_BUCKET, key, version_id=on_server.version_id)

    out = reconcile_out("--remove-orphans", "--older-than", "0m", "--confirm")
    assert f"removed: {settings.S3_ARCHIVE_BUCKET}/{key} {on_server.version_id}" in out
    assert f"kept (under retention until {kept.key}" not in out
    assert f"{settings.S3_ARCHIVE_BUCKET}/orphans/retained.bin" in out
    assert "kept (under retention until" in out
    versions = {(v.key, v.version_id) for v in gateway.list_versions(settings.S3_ARCHIVE_BUCKET)}
    assert (key, on_server.version_id) not in versions  # the orphan is gone
    assert (key, stored.version_id) in versions  # the recorded version stays
    assert ("orphans/retained.bin", kept.version_id) in versions
    # And the reconciler finds every record's object.
    assert "0 records without their object" in reconcile_out()
