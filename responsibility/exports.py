"""Archive packages exported by a background job: the console's export button and the API's
export jobs. The package (``responsibility.packages.package_stream``) is written to a
temporary file by the job, stored in the derived bucket under ``exports/`` and offered for
download until ``EXPORT_LIFETIME_HOURS`` after it was made; then a scheduled job removes it.

The audit log stays true: the export's event is recorded ``started`` when it is asked for,
``completed`` once the package is stored, ``failed`` (and why) when its last retry failed;
an attempt that fails and will be retried leaves it ``started``. Each download is an event
of its own (``download_package``), with who downloaded it.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import tempfile

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.engine import current_job_id, last_attempt, progress
from jobs.models import JobProgress
from projects.models import AuditEvent, Project
from projects.services import audit_event_outcome, audit_event_record
from responsibility.models import PackageExport
from responsibility.packages import export_failure, package_contents, package_name, package_stream
from storage import gateway
from storage.errors import ObjectNotFound
from storage.reconcile import EXPORT_PREFIX

logger = logging.getLogger("responsibility.exports")

# Exports live in the derived bucket under storage.reconcile.EXPORT_PREFIX: the reconciler
# leaves that prefix to the PackageExport rows (an export is a copy, not evidence, and has
# no StoredObject row).


def export_request(*, project: Project, user, request=None) -> tuple[PackageExport, bool]:
    """Start an export of ``project`` (audited as started), or — when one is queued or
    running already — that one: (export, whether this call started it)."""
    running = PackageExport.objects.filter(project=project, state__in=PackageExport.ACTIVE)
    if (existing := running.first()) is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = audit_event_record(
                actor=user,
                action=AuditEvent.Action.EXPORT_PACKAGE,
                subject=project,
                project=project,
                request=request,
                outcome=AuditEvent.Outcome.STARTED,
                reason="export job",
            )
            export = PackageExport.objects.create(
                project=project,
                requested_by=user if getattr(user, "pk", None) else None,
                audit_event=event,
            )
            from responsibility.jobs import export_package

            # The queue is in this database: the job's row commits with the export's, so
            # no worker sees one without the other.
            export_package.enqueue(export.pk)
    except IntegrityError:
        # Another request started one between our look and our write: that one it is.
        return running.get(), False
    return export, True


def export_run(export_id: int) -> dict:
    """The job's work: make the package, store it, say so. Idempotent: an export that is
    already done is left as it is; a retry makes the package again from the start (a zip
    cannot be continued), replacing any object a killed attempt left."""
    export = PackageExport.objects.select_related("project", "requested_by").get(pk=export_id)
    if not export.active:
        return {"export": export.pk, "state": export.state}
    export.state = PackageExport.State.RUNNING
    export.task_id = current_job_id()
    export.error = ""
    export.save(update_fields=["state", "task_id", "error"])
    project = export.project
    contents = package_contents(project)
    total = contents.record_count + contents.file_count
    exporter = export.requested_by.get_username() if export.requested_by else "archive job"

    def tick(what: str, done: int, written: int) -> None:
        progress(min(done, total), total, f"{what}: {written / 1e6:,.1f} MB")

    try:
        name = package_name(project)
        digest = hashlib.sha256()
        with tempfile.TemporaryFile(prefix="lqa-export-") as spool:
            for chunk in package_stream(project=project, exporter=exporter, progress=tick):
                spool.write(chunk)
                digest.update(chunk)
            size = spool.tell()
            spool.seek(0)
            key = f"{EXPORT_PREFIX}project-{project.pk}/{export.pk}/{name}"
            gateway.put(
                settings.S3_DERIVED_BUCKET,
                key,
                data=spool,
                length=size,
                content_type="application/zip",
            )
    except Exception as exc:
        export.error = export_failure(exc)
        if last_attempt():
            export.state = PackageExport.State.FAILED
            export.finished_at = timezone.now()
            if export.audit_event is not None:
                audit_event_outcome(
                    event=export.audit_event,
                    outcome=AuditEvent.Outcome.FAILED,
                    detail=export.error,
                )
        else:
            export.state = PackageExport.State.QUEUED  # its retry is queued by the engine
        export.save(update_fields=["state", "error", "finished_at"])
        raise
    now = timezone.now()
    with transaction.atomic():
        export.state = PackageExport.State.COMPLETED
        export.file_name = name
        export.key = key
        export.size = size
        export.sha256 = digest.hexdigest()
        export.finished_at = now
        export.expires_at = now + datetime.timedelta(hours=settings.EXPORT_LIFETIME_HOURS)
        export.save()
        if export.audit_event is not None:
            audit_event_outcome(event=export.audit_event, outcome=AuditEvent.Outcome.COMPLETED)
    progress(total, total, "stored")
    return {"export": export.pk, "state": export.state, "size": size, "sha256": export.sha256}


def export_progress(export: PackageExport) -> JobProgress | None:
    if export.task_id is None:
        return None
    return JobProgress.objects.filter(task_id=export.task_id).first()


def export_expired(export: PackageExport, now: datetime.datetime | None = None) -> bool:
    if export.state == PackageExport.State.EXPIRED:
        return True
    now = now or timezone.now()
    return export.state == PackageExport.State.COMPLETED and export.expires_at <= now


def export_download_url(*, export: PackageExport, user, request=None) -> str:
    """A short-lived URL of the stored package, the download recorded in the audit log.
    The caller has checked that ``user`` may read the export's project and that the export
    is completed and not expired."""
    with transaction.atomic():
        audit_event_record(
            actor=user,
            action=AuditEvent.Action.DOWNLOAD_PACKAGE,
            subject=export.project,
            project=export.project,
            request=request,
            reason=f"{export.file_name} ({export.size} bytes, SHA-256 {export.sha256})",
        )
        return gateway.presigned_get_url(
            settings.S3_DERIVED_BUCKET,
            export.key,
            version_id=None,
            expires=datetime.timedelta(seconds=settings.S3_PRESIGNED_SECONDS),
            download_name=export.file_name,
            content_type="application/zip",
        )


def exports_expire(now: datetime.datetime | None = None) -> int:
    """Remove the stored packages past their lifetime; how many. An object already gone is
    no error (a run killed between the removal and the row's update)."""
    now = now or timezone.now()
    expired = 0
    for export in PackageExport.objects.filter(
        state=PackageExport.State.COMPLETED, expires_at__lte=now
    ).iterator():
        with contextlib.suppress(ObjectNotFound):
            gateway.remove(settings.S3_DERIVED_BUCKET, export.key)
        export.state = PackageExport.State.EXPIRED
        export.save(update_fields=["state"])
        expired += 1
    return expired


def download_refusal(export: PackageExport) -> tuple[int, str] | None:
    """Why ``export`` cannot be downloaded (status, message), or None when it can."""
    if export_expired(export):
        return (
            410,
            _(
                "This export expired on %(date)s and was removed. Start a new export for a"
                " fresh package."
            )
            % {"date": f"{timezone.localtime(export.expires_at):%Y-%m-%d %H:%M}"},
        )
    if export.state == PackageExport.State.FAILED:
        return (
            409,
            _("This export failed: %(error)s Start a new export.") % {"error": export.error},
        )
    if export.state != PackageExport.State.COMPLETED:
        return (
            409,
            _("This export is still being made; download it when its state is “completed”."),
        )
    return None
