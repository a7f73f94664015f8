"""The storage app's background jobs (see jobs/schedules.py for when they run)."""

from __future__ import annotations

import logging

from django.conf import settings

from jobs.engine import job, progress
from storage.errors import StorageUnavailable
from storage.fixity import objects_to_check, run_audit, run_start
from storage.models import FixityRun
from storage.reconcile import pending_settle, reconcile

logger = logging.getLogger("storage.jobs")


@job(retries=5, backoff_seconds=120)
def audit_fixity() -> dict:
    """Nightly: read back what no run checked for ``FIXITY_JOB_OLDER_THAN_DAYS`` days, at most
    ``FIXITY_JOB_BATCH`` objects per job. A run that did not finish (a batch's end, a killed
    worker, an unreachable store) is continued from its saved cursor, not started again; a
    batch that reaches its limit queues the next. An unreachable store is "could not check"
    (the run is marked unreachable, the job fails and is retried), never a finding."""
    run = run_start(
        older_than=settings.FIXITY_JOB_OLDER_THAN_DAYS,
        limit=settings.FIXITY_JOB_BATCH,
        resume=True,
    )
    total = objects_to_check(run).count()

    def tick(run: FixityRun, seconds: float) -> None:
        progress(run.checked, min(total, settings.FIXITY_JOB_BATCH), f"{run.problems} problems")

    run = run_audit(run, progress=tick)
    result = {
        "run": run.pk,
        "state": run.state,
        "checked": run.checked,
        "intact": run.intact,
        "problems": run.problems,
    }
    if run.problems:
        logger.error(
            "fixity run %s: %s stored object(s) did not read back as stored (see the admin's"
            " fixity findings)",
            run.pk,
            run.problems,
        )
    if run.state == FixityRun.State.UNREACHABLE:
        raise StorageUnavailable(
            f"fixity run {run.pk} stopped after {run.checked} object(s): the object store is"
            " unreachable; the retry continues from its cursor"
        )
    if run.state == FixityRun.State.INTERRUPTED:
        audit_fixity.enqueue()  # the next batch
        result["continues"] = True
    return result


@job(retries=3, backoff_seconds=300)
def reconcile_storage() -> dict:
    """Weekly: the object store and the StoredObject rows side by side. A row whose object
    is gone is logged at ERROR (evidence missing); orphans are only counted."""
    result = reconcile(progress=lambda listed: progress(listed, None, "objects listed"))
    for obj in result.missing:
        logger.error(
            "stored object %s (%s/%s version %s) has no object in the store",
            obj.pk,
            obj.bucket,
            obj.key,
            obj.version_id or "-",
        )
    return {
        "listed": result.listed,
        "rows": result.rows,
        "missing": [obj.pk for obj in result.missing],
        "orphans": len(result.orphans),
    }


@job(retries=2, backoff_seconds=60)
def retentions_settle() -> dict:
    """Set the retention, and lift the hold, of archival versions whose row committed but
    whose process stopped before it could (``PendingRetention``): so such a version waits
    minutes for its retention, not until the weekly ``reconcile_storage``."""
    return {"settled": pending_settle()}
