"""The object store's background jobs (see jobs/schedules.py for when they run)."""

from jobs.engine import job
from storage.reconcile import pending_settle


@job(retries=2, backoff_seconds=60)
def retentions_settle() -> dict:
    """Set the retention, and lift the hold, of archival versions whose row committed but
    whose process stopped before it could (``PendingRetention``): so such a version waits
    minutes for its retention, not until the weekly ``reconcile_storage``."""
    return {"settled": pending_settle()}
