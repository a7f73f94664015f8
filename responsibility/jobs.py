"""The responsibility app's background jobs (see jobs/schedules.py for when they run)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from jobs.engine import job, progress
from responsibility import exports, services, signing
from storage.errors import StorageError, StorageUnavailable

logger = logging.getLogger("responsibility.jobs")


@job(retries=5, backoff_seconds=30)
def export_package(export_id: int) -> dict:
    """Make a project's archive package and keep it in the derived bucket for its lifetime
    (``responsibility.exports``). The object store down: the attempt fails and is retried."""
    return exports.export_run(export_id)


@job(retries=2, backoff_seconds=60)
def remove_expired_exports() -> dict:
    """Remove the exported packages past ``EXPORT_LIFETIME_HOURS``."""
    return {"expired": exports.exports_expire()}


@job(retries=3, backoff_seconds=300)
def refresh_document_timestamps() -> dict:
    """Add a fresh document timestamp to every signed PDF whose newest timestamp's TSA
    certificate expires within ``TIMESTAMP_REFRESH_MARGIN_DAYS`` (what `manage.py
    refresh_document_timestamps` does). Idempotent: a refreshed document is no longer due,
    so a retry continues where the last attempt stopped. Nothing to do without a TSA."""
    if not signing.long_term():
        return {"skipped": "TSA_URL is not set"}
    before = timezone.now() + datetime.timedelta(days=settings.TIMESTAMP_REFRESH_MARGIN_DAYS)
    due = services.documents_timestamp_due(before=before)
    ids = list(due.values_list("pk", flat=True))
    refreshed, failed, unavailable = 0, [], None
    for number, pk in enumerate(ids, start=1):
        document = due.model.objects.select_related("pdf").get(pk=pk)
        try:
            services.document_timestamp_refresh(document=document)
        except signing.SigningUnavailable as exc:
            failed.append(f"{document.number}: {exc.message}")
            if exc.transient:
                unavailable = exc
            break  # the TSA cannot extend this one: it cannot extend the others either
        except StorageUnavailable as exc:
            failed.append(f"{document.number}: the object store is unreachable ({exc})")
            unavailable = exc
            break
        except StorageError as exc:
            failed.append(f"{document.number}: the object store failed ({exc})")
        else:
            refreshed += 1
        progress(number, len(ids), document.number)
    if unavailable is not None:
        # Worth a retry later (the engine logs it at ERROR and queues it with backoff).
        raise RuntimeError(
            f"{refreshed} of {len(ids)} document(s) refreshed, then stopped: {failed[-1]}"
        )
    for line in failed:
        logger.error("document timestamp not refreshed: %s", line)
    return {"due": len(ids), "refreshed": refreshed, "failed": failed}
