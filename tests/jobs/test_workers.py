"""Real `manage.py run_jobs` processes on the test database: two workers racing for the same
scheduled slots run each once; a worker killed with SIGKILL mid-job has its job run again by
another; SIGTERM lets the running job finish and the worker exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import ScheduledRun, WorkerHeartbeat
from jobs.schedules import SCHEDULES
from tests.jobs import sample_jobs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker(name: str, tmp_path: Path, **env) -> subprocess.Popen:
    """A worker process on this test's database, its output in tmp_path/<name>.log."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "JOB_HOUSEKEEPING_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs", "--interval", "0.2", "--worker-id", name],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_two_workers_racing_for_the_same_slots_run_each_job_once(tmp_path):
    workers = [worker(name, tmp_path) for name in ("one", "two")]
    try:
        wait_for(
            lambda: (
                DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count()
                >= len(SCHEDULES)
            ),
            90,
            "the scheduled jobs",
        )
        time.sleep(2)  # a second chance for a duplicate, had there been one
    finally:
        codes = [stop(process) for process in workers]
    assert codes == [0, 0]
    logs = [(tmp_path / f"{name}.log").read_text() for name in ("one", "two")]
    ran = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    slots = Counter(ScheduledRun.objects.values_list("name", flat=True))
    # Each slot once (a 5-minute checkpoint slot may turn over during the test: then twice).
    assert set(slots) == {schedule.name for schedule in SCHEDULES}
    for schedule in SCHEDULES:
        assert ran[schedule.task] == slots[schedule.name], (schedule.name, logs)
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    # The workers' own count of the jobs they ran adds up to the jobs there are.
    counted = sum(int(log.rsplit(" and ", 1)[1].split(" ")[0]) for log in logs)
    assert counted == sum(ran.values()), logs
    assert not WorkerHeartbeat.objects.exists()  # both said goodbye


def starts_and_ends(log: Path) -> list[tuple[str, int]]:
    if not log.exists():
        return []
    return [
        (word, int(pid))
        for word, pid in (line.split() for line in log.read_text().split("\n") if line)
    ]


def test_a_job_of_a_worker_killed_mid_job_runs_again_on_another(tmp_path):
    log = tmp_path / "sleepy.log"
    quiet = {"JOB_SCHEDULES_ENABLED": "0", "JOB_WORKER_STALE_SECONDS": "3"}
    queued = sample_jobs.sleepy.enqueue(3, str(log))
    killed = worker("killed", tmp_path, **quiet)
    try:
        wait_for(lambda: starts_and_ends(log), 60, "the job to start")
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
    finally:
        if killed.poll() is None:
            killed.kill()
    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.RUNNING

    survivor = worker("survivor", tmp_path, **quiet)
    try:
        result = wait_for(
            lambda: DBTaskResult.objects.filter(
                id=queued.id, status=TaskResultStatus.SUCCESSFUL
            ).first(),
            60,
            "the job to run again",
        )
    finally:
        assert stop(survivor) == 0
    assert starts_and_ends(log) == [
        ("start", killed.pid),
        ("start", survivor.pid),
        ("end", survivor.pid),
    ]
    assert result.return_value == survivor.pid
    assert result.worker_ids == ["killed", "survivor"]
    assert (
        "left running by worker killed, which is gone: queued again"
        in (tmp_path / "survivor.log").read_text()
    )


def test_sigterm_lets_the_running_job_finish_and_the_worker_exit_0(tmp_path):
    log = tmp_path / "sleepy.log"
    queued = sample_jobs.sleepy.enqueue(2, str(log))
    process = worker("terminated", tmp_path, JOB_SCHEDULES_ENABLED="0")
    try:
        wait_for(lambda: starts_and_ends(log), 60, "the job to start")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert starts_and_ends(log) == [("start", process.pid), ("end", process.pid)]
    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.SUCCESSFUL
    output = (tmp_path / "terminated.log").read_text()
    assert "shutting down gracefully" in output
    assert "stopped after" in output
    assert "and 1 job(s)" in output
