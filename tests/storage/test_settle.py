"""An archival version whose row committed but whose retention a stopped process never set
(it stays under its legal hold): the scheduled job sets the retention and lifts the hold."""

from datetime import timedelta

from django.utils import timezone

from jobs.engine import run_queued
from storage import gateway
from storage.jobs import retentions_settle
from storage.models import PendingRetention
from storage.services import object_store
from tests.storage import samples


def test_the_scheduled_job_settles_a_version_its_process_left_held(supervisor):
    # In a test the commit's callbacks do not run: the version is left exactly as by a
    # process killed just after its commit.
    obj = object_store(
        fileobj=samples.named(samples.jpeg((310, 200)), "left.jpg"), user=supervisor, archival=True
    )
    on_server = gateway.stat(obj.bucket, obj.key, version_id=obj.version_id)
    assert (on_server.legal_hold, on_server.retention_until) == (True, None)

    retentions_settle.enqueue()
    run_queued()  # too recent: its own request may still be settling it
    assert PendingRetention.objects.filter(stored_object=obj).exists()

    PendingRetention.objects.filter(stored_object=obj).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )
    retentions_settle.enqueue()
    run_queued()
    on_server = gateway.stat(obj.bucket, obj.key, version_id=obj.version_id)
    assert (on_server.legal_hold, on_server.retention_until) == (False, obj.retention_until)
    assert not PendingRetention.objects.filter(stored_object=obj).exists()
