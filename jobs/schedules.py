"""The archive's schedules, in code: what the workers (`manage.py run_jobs`) enqueue and when.
Any number of workers may run them; each slot is enqueued once (``jobs.engine.enqueue_due``).
Shown to operators in the admin (job results and scheduled runs). Times are the archive's
(TIME_ZONE); a day's slot starts at local midnight plus the offset, a week's on Monday."""

from datetime import timedelta

from jobs.engine import Schedule

SCHEDULES = [
    # A signed tree head every few minutes: proofs are against it, witnesses co-sign it.
    Schedule("ledger-checkpoint", "ledger.jobs.sign_checkpoint", every=timedelta(minutes=5)),
    # Read back what no run checked for 30 days, at night when nobody uploads.
    Schedule(
        "storage-fixity",
        "storage.jobs.audit_fixity",
        every=timedelta(days=1),
        offset=timedelta(hours=1),
    ),
    # The store and the rows side by side: a row without its object is logged at ERROR.
    Schedule(
        "storage-reconcile",
        "storage.jobs.reconcile_storage",
        every=timedelta(weeks=1),
        offset=timedelta(days=6, hours=3),  # Sunday 03:00
    ),
    # Long-term signatures: a fresh document timestamp well before the last one's expiry.
    Schedule(
        "document-timestamps",
        "responsibility.jobs.refresh_document_timestamps",
        every=timedelta(days=1),
        offset=timedelta(hours=4),
    ),
    # Exported packages past EXPORT_LIFETIME_HOURS leave the derived bucket.
    Schedule(
        "expired-exports",
        "responsibility.jobs.remove_expired_exports",
        every=timedelta(hours=1),
        offset=timedelta(minutes=17),
    ),
    # Archival versions left under a legal hold by a process stopped after its commit.
    Schedule("storage-retentions", "storage.jobs.retentions_settle", every=timedelta(minutes=10)),
]
