"""What the job engine keeps beside django-tasks-db's own task rows: progress a page can show,
the scheduled slots already enqueued (so several workers enqueue each one once) and the
workers' heartbeats (so a job left running by a killed worker is run again)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobProgress(models.Model):
    """How far a running job has come: written by ``jobs.engine.progress``."""

    task_id = models.UUIDField(_("job"), unique=True)
    done = models.BigIntegerField(_("done"), default=0)
    total = models.BigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("job progress")
        verbose_name_plural = _("job progress")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.done}/{self.total or '?'}"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))


class ScheduledRun(models.Model):
    """One slot of a schedule (say, the checkpoint of 10:05): the unique constraint is what
    lets any number of workers run the scheduler and still enqueue each slot once."""

    name = models.CharField(_("schedule"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    task_id = models.UUIDField(_("job"), null=True, blank=True)
    created_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="jobs_one_run_per_slot")
        ]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """A running ``run_jobs`` process, seen every few seconds."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.IntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("job worker")
        verbose_name_plural = _("job workers")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"
