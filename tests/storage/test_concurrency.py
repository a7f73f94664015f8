import threading

import pytest
from django.db import connection

from ledger.models import LedgerEntry
from storage.models import StoredObject
from storage.services import object_store
from tests.storage import samples


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_same_photo_uploaded_six_times_at_once_is_stored_once(supervisor):
    data = samples.jpeg((640, 480))
    start = threading.Barrier(6)
    results: list[int] = []
    errors: list[BaseException] = []

    def upload(n: int) -> None:
        try:
            start.wait()
            obj = object_store(
                fileobj=samples.named(data, f"retry-{n}.jpg"), user=supervisor, archival=True
            )
            results.append(obj.pk)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert StoredObject.objects.count() == 1
    assert LedgerEntry.objects.filter(record_type="storage.storedobject").count() == 1
