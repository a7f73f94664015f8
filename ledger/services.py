"""Appending to the ledger. Callers are services, inside their own transaction."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from ledger import merkle
from ledger.canonical import canonical_json, record_hash, record_type
from ledger.models import LedgerEntry, LedgerHead


def ledger_append(
    *,
    record: models.Model,
    action: str,
    actor=None,
) -> LedgerEntry:
    """Append one entry for ``record`` and advance the tree, in the caller's transaction.

    The head row is locked (``SELECT … FOR UPDATE``) until the caller commits, so concurrent
    writers get consecutive indexes with no gaps; a rolled-back write takes its entry with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the writing service's transaction")
    head = LedgerHead.objects.select_for_update().get(pk=1)
    entry = LedgerEntry(
        index=head.size,
        record_type=record_type(record),
        record_id=str(record.pk),
        action=action,
        content_hash=record_hash(record),
        actor_id=getattr(actor, "pk", None),
        actor=getattr(actor, "username", "") or "",
        recorded_at=timezone.now(),
    )
    leaf = merkle.leaf_hash(canonical_json(entry.leaf_data()))
    entry.leaf_hash = leaf.hex()
    entry.save()
    frontier = merkle.frontier_append([bytes.fromhex(h) for h in head.frontier], head.size, leaf)
    head.size += 1
    head.frontier = [h.hex() for h in frontier]
    head.save(update_fields=["size", "frontier"])
    return entry
