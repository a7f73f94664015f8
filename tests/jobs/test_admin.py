"""The operators' view: every job with its state, progress, result and error, filtered by
job and state; the schedules with their last and next slot; the workers and whether each
is alive. Read-only: nobody adds, changes or deletes a job by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import engine
from jobs.engine import enqueue_due, run_queued
from jobs.models import ScheduledRun, WorkerHeartbeat
from tests.jobs import sample_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def test_the_job_list_shows_state_progress_result_and_error(operator):
    done = sample_jobs.add.enqueue(2, 3)
    failed = sample_jobs.always_fails.enqueue("the store is down")
    run_queued()

    page = operator.get("/admin/jobs/job/").content.decode()
    assert "tests · add" in page
    assert "3/3 (100%) step 3" in page  # progress
    assert '<td class="field-outcome">5</td>' in page  # the result
    assert "ValueError: the store is down" in page  # the error's last line
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert str(retry.id)[:8] in page

    only = operator.get("/admin/jobs/job/?task_path=tests.jobs.sample_jobs.add").content.decode()
    assert str(done.id)[:8] in only
    assert str(failed.id)[:8] not in only
    failures = operator.get("/admin/jobs/job/?status__exact=FAILED").content.decode()
    assert str(failed.id)[:8] in failures
    assert str(done.id)[:8] not in failures

    detail = operator.get(f"/admin/jobs/job/{failed.id}/change/").content.decode()
    assert "Traceback" in detail
    assert "&quot;the store is down&quot;" in detail  # its arguments
    # django-tasks-db's own page is replaced by this one.
    assert operator.get("/admin/django_tasks_database/dbtaskresult/").status_code == 404


@pytest.mark.parametrize("url", ["/admin/jobs/job/add/", "/admin/jobs/job/{id}/delete/"])
def test_nobody_adds_or_deletes_a_job_by_hand(operator, url):
    queued = sample_jobs.add.enqueue(1, 1)
    assert operator.get(url.format(id=queued.id)).status_code == 403


def test_the_schedules_show_their_last_and_next_slot_and_workers_whether_alive(operator):
    enqueue_due()
    page = operator.get("/admin/jobs/scheduledrun/").content.decode()
    for name in ("ledger-checkpoint", "storage-fixity", "storage-reconcile", "expired-exports"):
        assert name in page
    assert "storage · audit_fixity" in page
    assert f'<td class="field-job_status">{TaskResultStatus.READY.label}</td>' in page
    slot = ScheduledRun.objects.get(name="storage-fixity").slot
    assert timezone.localtime(slot).strftime("%Y-%m-%d %H:%M") in page  # its last slot

    engine.heartbeat("alive-1", timezone.now())
    engine.heartbeat("gone-1", timezone.now())
    WorkerHeartbeat.objects.filter(worker_id="gone-1").update(
        seen_at=timezone.now() - timedelta(hours=1)
    )
    workers = operator.get("/admin/jobs/workerheartbeat/").content.decode()
    assert workers.count('alt="True"') == 1
    assert workers.count('alt="False"') == 1
