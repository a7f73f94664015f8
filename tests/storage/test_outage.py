"""When the object store is down, nothing is half-written and the caller hears at once."""

import hashlib
import time

import pytest

from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import StorageUnavailable
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from storage.services import object_store
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
