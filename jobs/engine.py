"""The job engine: Django's tasks framework (the ``django-tasks`` backport of Django 6's
``django.tasks``) on its database backend (``django-tasks-db``).

Why this engine: it keeps its queue in the archive's own database, so the embedded default
(SQLite) needs no other server and production (PostgreSQL) needs no broker; its API is the one
Django 6 ships, so moving to Django 6 changes an import, not the jobs. Procrastinate was the
other candidate (periodic jobs and retries built in) but runs on PostgreSQL only. What the
backport lacks, this module adds in a few dozen lines: retries with backoff (``job``),
progress a page can show (``progress``), schedules enqueued once per slot by any number of
workers (``enqueue_due``) and jobs left running by a killed worker run again
(``requeue_abandoned``). The worker process is ``manage.py run_jobs``.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from config.metrics import job_outcome_counted
from config.requestid import request_id_bound, request_id_get
from jobs.models import JobProgress, ScheduledRun, WorkerHeartbeat

logger = logging.getLogger("jobs")

# The retry count travels with the job's own arguments, under a name no job uses.
ATTEMPT_KWARG = "_attempt"
REQUEST_ID_KWARG = "_request_id"
# A job writes its progress at most this often (and always when it reaches its total).
PROGRESS_INTERVAL_SECONDS = 0.5

_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("job", default=None)
# (attempt, attempts allowed) of the running job: a job with its own record of state (an
# export) marks it failed only when no retry will follow.
_current_attempt: contextvars.ContextVar[tuple[int, int]] = contextvars.ContextVar(
    "job_attempt", default=(1, 1)
)
_progress_written: dict[str, float] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Job(Task):
    """A task that carries the id of the request (or job) that queued it into its own log
    lines (config/requestid.py); ``using()`` keeps the class, so retries carry it too."""

    def enqueue(self, *args, **kwargs):
        request_id = request_id_get()
        if request_id:
            kwargs[REQUEST_ID_KWARG] = request_id
        # Task.enqueue by name: zero-argument super() fails in a dataclass with slots.
        return Task.enqueue(self, *args, **kwargs)


def job(function=None, *, retries: int = 3, backoff_seconds: float = 30, queue_name="default"):
    """Make ``function`` a background job: ``function.enqueue(*args)`` queues it.

    A run that raises is logged at ERROR (the alert: the log is what operators watch) and,
    ``retries`` times, queued again after ``backoff_seconds`` × 2^(attempt − 1). Every job must
    be idempotent: a retry, or a run after a killed worker, starts it again.
    """

    def decorate(func):
        @functools.wraps(func)
        def run(context, *args, **kwargs):
            attempt = kwargs.pop(ATTEMPT_KWARG, 1)
            # The job's log lines carry the id of the request that queued it (or its own).
            request_id = kwargs.pop(REQUEST_ID_KWARG, "") or f"job-{context.task_result.id}"
            token = _current_job.set(str(context.task_result.id))
            name = f"{func.__module__}.{func.__qualname__}"
            attempt_token = _current_attempt.set((attempt, retries + 1))
            try:
                with request_id_bound(request_id):
                    result = func(*args, **kwargs)
                job_outcome_counted(name, "succeeded")
                return result
            except Exception:
                if attempt > retries:
                    with request_id_bound(request_id):
                        logger.exception(
                            "job %s failed (attempt %s of %s): giving up",
                            name,
                            attempt,
                            retries + 1,
                        )
                    job_outcome_counted(name, "failed")
                    raise
                job_outcome_counted(name, "retried")
                delay = backoff_seconds * 2 ** (attempt - 1)
                with request_id_bound(request_id):
                    logger.exception(
                        "job %s failed (attempt %s of %s): retrying in %s s",
                        name,
                        attempt,
                        retries + 1,
                        delay,
                    )
                    try:
                        the_job.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                            *args, **kwargs, **{ATTEMPT_KWARG: attempt + 1}
                        )
                    except Exception:  # the database itself may be what failed
                        logger.exception("job %s could not be queued again", name)
                raise
            finally:
                _current_job.reset(token)
                _current_attempt.reset(attempt_token)
                _progress_written.pop(str(context.task_result.id), None)

        # The tasks framework checks the signature for its `context` argument: show it ours,
        # not the wrapped function's (functools.wraps points inspect at that one).
        del run.__wrapped__
        the_job = Job(func=run, takes_context=True, queue_name=queue_name)
        return the_job

    return decorate(function) if function is not None else decorate


def current_job_id() -> str | None:
    """The id of the job this code runs in, or None outside a job."""
    return _current_job.get()


def last_attempt() -> bool:
    """Whether a failure of the running job now is final (no retry follows). True outside
    a job."""
    attempt, attempts = _current_attempt.get()
    return attempt >= attempts


def progress(done: int, total: int | None = None, message: str = "") -> None:
    """Record how far the running job has come (nothing outside a job). Throttled: call it as
    often as you like. Written in its own autocommit statement, so a page sees it at once —
    which is also why a job must not hold one transaction open from start to end."""
    task_id = _current_job.get()
    if task_id is None:
        return
    now = time.monotonic()
    finished = total is not None and done >= total
    if not finished and now - _progress_written.get(task_id, 0.0) < PROGRESS_INTERVAL_SECONDS:
        return
    _progress_written[task_id] = now
    JobProgress.objects.update_or_create(
        task_id=task_id, defaults={"done": done, "total": total, "message": message[:500]}
    )


def make_worker(*, worker_id: str | None = None, interval: float = 1.0, batch: bool = False):
    """django-tasks-db's worker, for every queue of the default backend."""
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id or f"{socket.gethostname()[:40]}-{os.getpid()}",
        excluded_queue_names=[],
    )


def run_queued(max_jobs: int = 1000, *, only: Iterable[str] | None = None) -> int:
    """Run every job that is ready, here and now, until none is left; how many ran.

    For tests and one-off commands. Unlike the worker's loop it never closes the database
    connection, so it also runs inside a test's transaction.
    """
    worker = make_worker(worker_id=f"inline-{os.getpid()}", batch=True)
    ran = 0
    while ran < max_jobs:
        with transaction.atomic():
            ready = DBTaskResult.objects.ready().filter(backend_name="default")
            if only is not None:  # the dotted paths of the jobs to run, the others left queued
                ready = ready.filter(task_path__in=list(only))
            result = ready.get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


# Schedules ---------------------------------------------------------------------------------

# Slots are counted from a Monday midnight in the archive's time zone, so "every day at 02:00"
# and "every week" mean local time.
_SLOT_EPOCH = datetime(2024, 1, 1)  # a Monday


@dataclass(frozen=True)
class Schedule:
    """Run the job at ``task`` (a dotted path) once per ``every``, ``offset`` after the start
    of each period (periods start at local midnight, Mondays for a week)."""

    name: str
    task: str
    every: timedelta
    offset: timedelta = timedelta(0)

    def slot(self, now: datetime) -> datetime:
        """The start of the period ``now`` falls in: the slot this schedule owes a run."""
        zone = ZoneInfo(settings.TIME_ZONE)
        anchor = _SLOT_EPOCH.replace(tzinfo=zone) + self.offset
        periods = (now.astimezone(zone) - anchor) // self.every
        return anchor + periods * self.every


def schedules() -> list[Schedule]:
    from jobs.schedules import SCHEDULES

    return SCHEDULES if settings.JOB_SCHEDULES_ENABLED else []


def enqueue_due(now: datetime | None = None, schedule_list: list[Schedule] | None = None):
    """Enqueue each schedule's current slot unless some worker already did; the names
    enqueued by this call. The slot's row and the job's row commit together, so a worker
    killed in between leaves neither, and the unique (name, slot) decides between workers."""
    now = now or timezone.now()
    enqueued = []
    for schedule in schedule_list if schedule_list is not None else schedules():
        slot = schedule.slot(now)
        if ScheduledRun.objects.filter(name=schedule.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=schedule.name, slot=slot)
                result = import_string(schedule.task).enqueue()
                run.task_id = result.id
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another worker enqueued this slot first
        logger.info("scheduled job %s queued for the slot of %s", schedule.name, slot)
        enqueued.append(schedule.name)
    return enqueued


# Workers -----------------------------------------------------------------------------------


def heartbeat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def requeue_abandoned(now: datetime | None = None) -> int:
    """Put back in the queue the jobs whose worker stopped being seen (killed, its machine
    lost): every job is idempotent, so running it again is safe. How many were put back."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_WORKER_STALE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale).values_list("worker_id", flat=True)
    )
    requeued = 0
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=stale
    ).only("id", "worker_ids", "task_path")
    for result in running:
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        changed = DBTaskResult.objects.filter(id=result.id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, run_after=now
        )
        if changed:
            logger.warning(
                "job %s (%s) was left running by worker %s, which is gone: queued again",
                result.id,
                result.task_path,
                result.worker_ids[-1] if result.worker_ids else "?",
            )
            requeued += changed
    WorkerHeartbeat.objects.filter(seen_at__lt=stale).delete()
    return requeued
