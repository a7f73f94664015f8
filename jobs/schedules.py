"""The archive's schedules, in code: what the workers (`manage.py run_jobs`) enqueue and when.
Any number of workers may run them; each slot is enqueued once (``jobs.engine.enqueue_due``).
Shown to operators in the admin (job results and scheduled runs)."""

from datetime import timedelta

from jobs.engine import Schedule

SCHEDULES = [
    # A signed tree head every few minutes: proofs are against it, witnesses co-sign it.
    Schedule("ledger-checkpoint", "ledger.jobs.sign_checkpoint", every=timedelta(minutes=5)),
    # Archival versions left under a legal hold by a process stopped after its commit.
    Schedule("storage-retentions", "storage.jobs.retentions_settle", every=timedelta(minutes=10)),
]
