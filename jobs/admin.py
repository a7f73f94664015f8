from django.contrib import admin

from jobs.models import JobProgress, ScheduledRun, WorkerHeartbeat


@admin.register(JobProgress)
class JobProgressAdmin(admin.ModelAdmin):
    list_display = ["task_id", "done", "total", "message", "updated_at"]
    readonly_fields = ["task_id", "done", "total", "message", "updated_at"]


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["name", "slot", "task_id", "created_at"]
    list_filter = ["name"]
    readonly_fields = ["name", "slot", "task_id", "created_at"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]
    readonly_fields = ["worker_id", "host", "pid", "started_at", "seen_at"]
