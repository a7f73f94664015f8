"""The storage jobs: the nightly fixity audit in bounded batches that continue where the last
stopped (an object store that stops mid-run is "could not check", retried, never damage),
damage logged at ERROR, and the weekly reconciliation."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.engine import run_queued
from storage import gateway
from storage.jobs import audit_fixity, reconcile_storage
from storage.models import FixityFinding, FixityRun
from tests.storage.test_fixity import stored  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def runs() -> list[tuple[str, int, int | None]]:
    return [
        (run.state, run.checked, run.resumed_from_id) for run in FixityRun.objects.order_by("pk")
    ]


def test_the_fixity_job_checks_in_batches_each_continuing_the_last(stored, settings):  # noqa: F811
    settings.FIXITY_JOB_BATCH = 3
    audit_fixity.enqueue()

    assert run_queued() == 2  # a batch of 3, which queued the next, which found 1 left

    first, second = FixityRun.objects.order_by("pk")
    assert (first.state, first.checked) == (FixityRun.State.INTERRUPTED, 3)
    assert (second.state, second.checked, second.resumed_from) == ("finished", 1, first)
    assert second.first_id > first.cursor  # continued, not restarted
    results = [r.return_value for r in DBTaskResult.objects.order_by("enqueued_at")]
    assert results[0]["continues"] is True
    assert "continues" not in results[1]

    # The next night: everything was checked within 30 days, nothing to read again.
    audit_fixity.enqueue()
    assert run_queued() == 1
    assert FixityRun.objects.order_by("pk").last().checked == 0


@pytest.mark.slow
def test_the_store_stopping_mid_fixity_is_retried_and_never_reported_as_damage(
    stored,  # noqa: F811
    s3_server,
    settings,
    caplog,
):
    settings.FIXITY_JOB_BATCH = 2
    audit_fixity.enqueue()
    assert run_queued(max_jobs=1) == 1  # the first batch: 2 of 4 checked, the next queued

    s3_server.stop()
    try:
        assert run_queued(max_jobs=1) == 1
    finally:
        s3_server.start()
    assert runs()[1][0] == FixityRun.State.UNREACHABLE
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).get()
    assert "object store is unreachable" in failed.traceback
    assert "retrying in 120 s" in caplog.text
    assert not FixityFinding.objects.exists()

    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    assert run_queued() == 1

    assert [state for state, _checked, _from in runs()] == [
        "interrupted",
        "unreachable",
        "finished",
    ]
    assert sum(checked for _state, checked, _from in runs()) == 4  # each object once
    assert FixityRun.objects.order_by("pk").last().problems == 0
    assert not FixityFinding.objects.exists()


def test_damage_found_by_the_fixity_job_is_logged_as_an_error(stored, caplog):  # noqa: F811
    changed = stored[2]
    data = b"not the preview that was stored"
    gateway.put(
        changed.bucket, changed.key, data=io.BytesIO(data), length=len(data), content_type="x/y"
    )
    audit_fixity.enqueue()
    run_queued()
    assert FixityFinding.objects.get().stored_object == changed
    assert any(
        record.levelname == "ERROR" and "did not read back as stored" in record.getMessage()
        for record in caplog.records
    )


def test_the_reconcile_job_logs_a_missing_object_and_leaves_exports_alone(
    stored,  # noqa: F811
    caplog,
):
    data = b"PK an export, kept with a row of its own"
    gateway.put(
        settings.S3_DERIVED_BUCKET,
        "exports/project-1/1/archive.zip",
        data=io.BytesIO(data),
        length=len(data),
        content_type="application/zip",
    )
    gone = stored[3]
    gateway.remove(gone.bucket, gone.key)

    reconcile_storage.enqueue()
    run_queued()

    result = DBTaskResult.objects.get().return_value
    assert result["missing"] == [gone.pk]
    assert any(
        record.levelname == "ERROR" and f"stored object {gone.pk}" in record.getMessage()
        for record in caplog.records
    )
    from storage.reconcile import reconcile

    assert not [o for o in reconcile().orphans if o.key.startswith("exports/")]
