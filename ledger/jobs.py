"""The ledger's background jobs (see jobs/schedules.py for when they run)."""

from jobs.engine import job
from ledger.selectors import node_cache_fill
from ledger.services import checkpoint_create
from ledger.witnesses import cosignatures_collect


@job(retries=2, backoff_seconds=20)
def sign_checkpoint() -> dict:
    """Sign a checkpoint (or keep the latest when nothing was appended), bring the proof cache
    up to it and ask the witnesses to co-sign: what `manage.py ledger_checkpoint` does."""
    checkpoint = checkpoint_create()
    node_cache_fill(checkpoint.tree_size)
    refused = [o.witness for o in cosignatures_collect(checkpoint) if not o.cosigned]
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "witnesses_refused": refused,
    }
