"""The operators' view of the job engine: every job with its state, progress, result and
error; the schedules with their last slots; the workers and when each was last seen.

django-tasks-db registers its own DBTaskResult admin: a list of ids, names, states and
times with no progress, no result, no error, no search and no filter by job. It is replaced
by ``JobAdmin`` (on the ``Job`` proxy, so the list sits under "Background jobs")."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from jobs.engine import ATTEMPT_KWARG, schedules
from jobs.models import Job, JobProgress, ScheduledRun, WorkerHeartbeat

admin.site.unregister(DBTaskResult)


def job_label(task_path: str) -> str:
    """``storage.jobs.audit_fixity`` → ``storage · audit_fixity``: the app and the job."""
    module, _dot, name = task_path.rpartition(".")
    return f"{module.split('.')[0]} · {name}" if module else task_path


class JobNameFilter(admin.SimpleListFilter):
    title = _("job")
    parameter_name = "task_path"

    def lookups(self, request, model_admin):
        paths = DBTaskResult.objects.values_list("task_path", flat=True).distinct()
        return [(path, job_label(path)) for path in sorted(paths)]

    def queryset(self, request, queryset):
        return queryset.filter(task_path=self.value()) if self.value() else queryset


def _job_link(task_id) -> str:
    if not task_id:
        return "—"
    url = reverse("admin:jobs_job_change", args=[task_id])
    return format_html('<a href="{}">{}</a>', url, str(task_id)[:8])


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "job",
        "status",
        "progress",
        "attempt",
        "enqueued_at",
        "started_at",
        "duration",
        "outcome",
        "worker",
    ]
    list_display_links = ["short_id", "job"]
    list_filter = ["status", JobNameFilter, "queue_name", "enqueued_at"]
    search_fields = ["=id", "task_path", "exception_class_path"]
    date_hierarchy = "enqueued_at"
    ordering = ["-enqueued_at"]
    list_per_page = 50
    fields = [
        "id",
        "job",
        "status",
        "progress",
        "attempt",
        "arguments",
        "enqueued_at",
        "run_after_display",
        "started_at",
        "finished_at",
        "duration",
        "worker",
        "result",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        progress = JobProgress.objects.filter(task_id=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                progress_done=Subquery(progress.values("done")[:1]),
                progress_total=Subquery(progress.values("total")[:1]),
                progress_message=Subquery(progress.values("message")[:1]),
            )
        )

    @admin.display(description="id", ordering="id")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description=_("job"), ordering="task_path")
    def job(self, obj):
        return job_label(obj.task_path)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        done, total = obj.progress_done, obj.progress_total
        if done is None:
            return "—"
        figure = f"{done:,}/{total:,}" if total else f"{done:,}"
        if total:
            figure += f" ({min(100, int(100 * done / total))}%)"
        return f"{figure} {obj.progress_message}".strip()

    @admin.display(description=_("attempt"))
    def attempt(self, obj):
        return obj.args_kwargs.get("kwargs", {}).get(ATTEMPT_KWARG, 1)

    @admin.display(description=_("arguments"))
    def arguments(self, obj):
        kwargs = {k: v for k, v in obj.args_kwargs.get("kwargs", {}).items() if k != ATTEMPT_KWARG}
        return json.dumps({"args": obj.args_kwargs.get("args", []), "kwargs": kwargs})

    @admin.display(description=_("run after"))
    def run_after_display(self, obj):
        return "—" if obj.run_after == get_date_max() else obj.run_after

    @admin.display(description=_("took"))
    def duration(self, obj):
        if obj.started_at is None:
            return "—"
        end = obj.finished_at or timezone.now()
        return str(timedelta(seconds=round((end - obj.started_at).total_seconds())))

    @admin.display(description=_("result or error"))
    def outcome(self, obj):
        if obj.status == TaskResultStatus.FAILED:
            last = (obj.traceback or "").strip().splitlines()[-1:] or [obj.exception_class_path]
            return format_html('<span class="errornote">{}</span>', last[0][:200])
        if obj.return_value is None:
            return "—"
        return json.dumps(obj.return_value, ensure_ascii=False)[:200]

    @admin.display(description=_("worker"))
    def worker(self, obj):
        return obj.worker_ids[-1] if obj.worker_ids else "—"

    @admin.display(description=_("result"))
    def result(self, obj):
        if obj.return_value is None:
            return "—"
        text = json.dumps(obj.return_value, ensure_ascii=False, indent=2)
        return format_html("<pre>{}</pre>", text)

    @admin.display(description=_("error"))
    def error(self, obj):
        return format_html("<pre>{}</pre>", obj.traceback) if obj.traceback else "—"


@admin.register(JobProgress)
class JobProgressAdmin(admin.ModelAdmin):
    list_display = ["job", "done", "total", "message", "updated_at"]
    readonly_fields = ["task_id", "done", "total", "message", "updated_at"]
    search_fields = ["task_id", "message"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("job"))
    def job(self, obj):
        return _job_link(obj.task_id)


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """Each slot enqueued, with its job's state; above the list, every schedule of
    jobs/schedules.py with its last and next slot."""

    list_display = ["name", "slot", "job", "job_status", "created_at"]
    list_filter = ["name", "slot"]
    readonly_fields = ["name", "slot", "task_id", "created_at"]
    change_list_template = "admin/jobs/scheduledrun/change_list.html"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        status = DBTaskResult.objects.filter(id=OuterRef("task_id")).values("status")[:1]
        return super().get_queryset(request).annotate(job_state=Subquery(status))

    @admin.display(description=_("job"))
    def job(self, obj):
        return _job_link(obj.task_id)

    @admin.display(description=pgettext_lazy("job", "state"))
    def job_status(self, obj):
        return TaskResultStatus[obj.job_state].label if obj.job_state else "—"

    def changelist_view(self, request, extra_context=None):
        now = timezone.now()
        rows = []
        for schedule in schedules():
            last = ScheduledRun.objects.filter(name=schedule.name).order_by("-slot").first()
            rows.append(
                {
                    "name": schedule.name,
                    "job": job_label(schedule.task),
                    "every": schedule.every,
                    "last": last,
                    "next": schedule.slot(now) + schedule.every,
                }
            )
        extra_context = {**(extra_context or {}), "schedules": rows}
        return super().changelist_view(request, extra_context)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "alive", "host", "pid", "started_at", "seen_at", "running"]
    readonly_fields = ["worker_id", "host", "pid", "started_at", "seen_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("alive"), boolean=True)
    def alive(self, obj):
        stale = timezone.now() - timedelta(seconds=settings.JOB_WORKER_STALE_SECONDS)
        return obj.seen_at >= stale

    @admin.display(description=_("running"))
    def running(self, obj):
        # (JSON containment is not available on SQLite: the running jobs are few.)
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        return ", ".join(
            job_label(path)
            for path, workers in running.values_list("task_path", "worker_ids")
            if workers and workers[-1] == obj.worker_id
        )
