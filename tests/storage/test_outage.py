"""When the object store is down, nothing is half-written and the caller hears at once."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectNotFound, StorageUnavailable
from storage.models import PendingRetention, StoredObject
from storage.reconcile import pending_settle, reconcile
from storage.selectors import object_read_bytes
from storage.services import ObjectStaging, object_key, object_store
from tests.storage import samples


@pytest.mark.slow
@pytest.mark.django_db
def test_when_the_object_store_is_down_storing_fails_fast_and_writes_nothing(
    supervisor, s3_server, fresh_gateway
):
    before = object_store(
        fileobj=samples.named(samples.jpeg(), "before.jpg"), user=supervisor, archival=True
    )
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()
    s3_server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            object_store(
                fileobj=samples.named(samples.jpeg(), "during.jpg"), user=supervisor, archival=True
            )
        assert time.monotonic() - started < 5
        assert StoredObject.objects.count() == objects
        assert LedgerEntry.objects.count() == entries

        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            object_read_bytes(obj=before)
        assert time.monotonic() - started < 5
    finally:
        s3_server.start()
        gateway.reset()
    after = object_store(
        fileobj=samples.named(samples.jpeg(), "after.jpg"), user=supervisor, archival=True
    )
    assert StoredObject.objects.filter(pk=after.pk).exists()
    assert hashlib.sha256(object_read_bytes(obj=before)).hexdigest() == before.sha256


@pytest.mark.slow
@pytest.mark.django_db
def test_an_upload_that_fails_after_its_put_while_the_store_is_down_leaves_a_held_orphan_only(
    supervisor, s3_server, fresh_gateway
):
    # The put has landed under its legal hold; the store goes down and the upload fails
    # before its row (the decode refused the file, the request died). The version cannot be
    # removed now; it stays held, without a record, and the reconciler reports it — never a
    # retained version without a record, never a lost file.
    data = samples.jpeg((320, 240))
    key = object_key(hashlib.sha256(data).hexdigest())
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    def store_while_the_store_fails():
        with ObjectStaging() as staging:
            staging.stage(fileobj=samples.named(data, "site.jpg"), archival=True)
            wait_for(settings.S3_ARCHIVE_BUCKET, key)  # the put has landed
            s3_server.stop()
            gateway.reset()
            raise ValidationError("the decode refused it")

    try:
        with pytest.raises(ValidationError):
            store_while_the_store_fails()
    finally:
        s3_server.start()
        gateway.reset()
    assert StoredObject.objects.count() == objects
    assert LedgerEntry.objects.count() == entries
    on_server = gateway.stat(settings.S3_ARCHIVE_BUCKET, key)
    assert on_server.legal_hold
    assert on_server.retention_until is None
    orphans = {(o.bucket, o.key, o.version_id): o for o in reconcile().orphans}
    orphan = orphans[(settings.S3_ARCHIVE_BUCKET, key, on_server.version_id)]
    assert orphan.legal_hold
    assert not orphan.retained


@pytest.mark.slow
@pytest.mark.django_db
def test_a_store_that_fails_between_the_commit_and_the_retention_leaves_the_file_held_until_settled(
    supervisor, s3_server, fresh_gateway, django_capture_on_commit_callbacks
):
    # The row commits; the store goes down before the retention is set (or the process dies
    # there). The version stays under its legal hold — protected — and the record says it
    # waits; the reconciler sets the retention and lifts the hold once the store is back.
    with django_capture_on_commit_callbacks() as after_commit:
        obj = object_store(
            fileobj=samples.named(samples.jpeg((330, 240)), "settle.jpg"),
            user=supervisor,
            archival=True,
        )
    assert PendingRetention.objects.filter(stored_object=obj).exists()
    s3_server.stop()
    gateway.reset()
    try:
        for callback in after_commit:
            callback()  # logged, not raised: the commit already answered the user
    finally:
        s3_server.start()
        gateway.reset()
    on_server = gateway.stat(obj.bucket, obj.key, version_id=obj.version_id)
    assert (on_server.legal_hold, on_server.retention_until) == (True, None)
    assert PendingRetention.objects.filter(stored_object=obj).exists()

    assert pending_settle(older_than=timedelta(0)) == 1
    on_server = gateway.stat(obj.bucket, obj.key, version_id=obj.version_id)
    assert (on_server.legal_hold, on_server.retention_until) == (False, obj.retention_until)
    assert not PendingRetention.objects.filter(stored_object=obj).exists()
    assert pending_settle(older_than=timedelta(0)) == 0


def wait_for(bucket: str, key: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            gateway.stat(bucket, key)
            return
        except ObjectNotFound:
            assert time.monotonic() < deadline, f"{key} never arrived"
            time.sleep(0.01)


def test_the_embedded_servers_ports_are_never_ones_the_kernel_gives_outgoing_connections():
    # An outage test stops the real S3 server and starts it again on the same ports; a port
    # in the ephemeral range could meanwhile become another connection's own, and the
    # restart would fail (it did, once, with two test processes running side by side).
    from storage.embedded import GRPC_OFFSET, _first_ephemeral_port, free_port_pairs

    first_ephemeral = _first_ephemeral_port()
    for port in free_port_pairs(20):
        assert port < first_ephemeral
        assert port + GRPC_OFFSET < first_ephemeral
