"""The job engine: jobs run with their progress, failures are retried with backoff and logged,
each scheduled slot is enqueued once however many workers race for it, and a job left running
by a dead worker is run again."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import engine
from jobs.engine import Schedule, enqueue_due, requeue_abandoned, run_queued
from jobs.models import JobProgress, ScheduledRun, WorkerHeartbeat
from tests.jobs import sample_jobs

pytestmark = pytest.mark.django_db


def test_a_job_runs_records_its_result_and_progress():
    queued = sample_jobs.add.enqueue(2, 3)
    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.READY

    assert run_queued() == 1

    result = DBTaskResult.objects.get(id=queued.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    progress = JobProgress.objects.get(task_id=queued.id)
    assert (progress.done, progress.total, progress.message) == (3, 3, "step 3")
    assert progress.percent == 100


def test_a_failed_job_is_logged_and_queued_again_later_until_its_retries_run_out(caplog):
    queued = sample_jobs.always_fails.enqueue("the store is down")
    assert run_queued() == 1

    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.FAILED
    assert "retrying in 10 s" in caplog.text
    assert "ValueError: the store is down" in caplog.text
    retry = DBTaskResult.objects.exclude(id=queued.id).get()
    assert retry.status == TaskResultStatus.READY
    assert retry.run_after > timezone.now() + timedelta(seconds=8)
    assert run_queued() == 0  # not before its time

    for attempt, delay in [(2, 20), (3, None)]:
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
        assert run_queued() == 1
        if delay:
            assert f"attempt {attempt} of 3): retrying in {delay} s" in caplog.text
    assert "attempt 3 of 3): giving up" in caplog.text
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3


def test_slots_are_counted_in_local_time():
    nightly = Schedule("nightly", "x", every=timedelta(days=1), offset=timedelta(hours=2))
    # 2026-12-02 01:30 in Beijing is still the night of the 1st's slot (02:00 on the 1st).
    now = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert nightly.slot(now).isoformat() == "2026-12-01T02:00:00+08:00"
    assert nightly.slot(now + timedelta(hours=1)).isoformat() == "2026-12-02T02:00:00+08:00"
    weekly = Schedule("weekly", "x", every=timedelta(weeks=1), offset=timedelta(hours=3))
    assert weekly.slot(now).isoformat() == "2026-11-30T03:00:00+08:00"  # a Monday
    every5 = Schedule("every5", "x", every=timedelta(minutes=5))
    assert every5.slot(now + timedelta(minutes=7, seconds=3)).minute == 35


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_a_slot_enqueue_it_once():
    schedule = [Schedule("sum", "ledger.jobs.sign_checkpoint", every=timedelta(minutes=5))]
    now = datetime(2026, 12, 2, 10, 20, 30, tzinfo=UTC)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(enqueue_due(now, schedule))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(len, results)) == [0, 0, 0, 1]
    run = ScheduledRun.objects.get()
    assert DBTaskResult.objects.get().id == run.task_id
    assert enqueue_due(now + timedelta(minutes=1), schedule) == []  # same slot
    assert enqueue_due(now + timedelta(minutes=5), schedule) == ["sum"]  # the next one


def test_a_job_left_running_by_a_dead_worker_is_queued_again_but_not_a_live_ones():
    now = timezone.now()
    long_ago = now - timedelta(minutes=10)
    engine.heartbeat("alive", long_ago)
    WorkerHeartbeat.objects.filter(worker_id="alive").update(seen_at=now)
    engine.heartbeat("dead", long_ago)
    WorkerHeartbeat.objects.filter(worker_id="dead").update(seen_at=long_ago)
    for worker_id in ["alive", "dead"]:
        queued = sample_jobs.add.enqueue(1, 1)
        DBTaskResult.objects.filter(id=queued.id).update(
            status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=[worker_id]
        )

    assert requeue_abandoned(now) == 1

    statuses = dict(DBTaskResult.objects.values_list("worker_ids__0", "status"))
    assert statuses == {"alive": TaskResultStatus.RUNNING, "dead": TaskResultStatus.READY}
    assert not WorkerHeartbeat.objects.filter(worker_id="dead").exists()
    assert run_queued() == 1
