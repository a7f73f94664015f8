"""When the object store is down, nothing is half-written and the caller hears at once."""

import hashlib
import time

import pytest
from django.conf import settings

from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectNotFound, StorageUnavailable
from storage.models import StoredObject
from storage.reconcile import reconcile
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
def test_a_store_that_fails_between_the_put_and_the_retention_leaves_a_held_orphan_only(
    supervisor, s3_server, fresh_gateway
):
    # The put has landed under its legal hold; the store goes down before the retention is
    # set. Nothing is recorded, the caller hears 503, and the held version is what the
    # reconciler reports — never a retained version without a record, never a lost file.
    data = samples.jpeg((320, 240))
    key = object_key(hashlib.sha256(data).hexdigest())
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    def store_while_the_store_fails():
        with ObjectStaging() as staging:
            staging.stage(fileobj=samples.named(data, "site.jpg"), archival=True)
            wait_for(settings.S3_ARCHIVE_BUCKET, key)  # the put has landed
            s3_server.stop()
            gateway.reset()

    try:
        with pytest.raises(StorageUnavailable):
            store_while_the_store_fails()
    finally:
        s3_server.start()
        gateway.reset()
    assert StoredObject.objects.count() == objects
    assert LedgerEntry.objects.count() == entries
    on_server = gateway.stat(settings.S3_ARCHIVE_BUCKET, key)
    assert on_server.legal_hold
    assert on_server.retention_until is None
    orphans = reconcile().orphans
    assert (settings.S3_ARCHIVE_BUCKET, key, on_server.version_id) in orphans


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
