"""Writes to the ledger: appends (inside the caller's transaction) and signed checkpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from ledger import merkle, signing
from ledger.canonical import canonical_json, record_hash, record_type
from ledger.models import Checkpoint, LedgerEntry, LedgerHead
from ledger.selectors import checkpoint_latest


def _locked_head() -> LedgerHead:
    # Migration 0002 creates the row; creating it here too keeps appends working after a
    # test run truncates every table. A lost row on a non-empty ledger still fails loudly:
    # index 0 is taken.
    head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    return head


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
    head = _locked_head()
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


@transaction.atomic
def checkpoint_create(*, actor=None) -> Checkpoint:
    """Sign the current tree head; returns the latest checkpoint if nothing was appended since.

    The head is locked while it is read so the size and root belong to the same tree.
    """
    head = _locked_head()
    root = merkle.frontier_root([bytes.fromhex(h) for h in head.frontier]).hex()
    public_key = signing.public_key_bytes()
    latest = checkpoint_latest()
    if (
        latest is not None
        and latest.tree_size == head.size
        and latest.root_hash == root
        and latest.public_key == public_key.hex()
        and latest.origin == settings.LEDGER_LOG_ID
    ):
        return latest
    checkpoint = Checkpoint(
        origin=settings.LEDGER_LOG_ID,
        tree_size=head.size,
        root_hash=root,
        # Whole seconds: the body carries the time as text and must hash the same later.
        signed_at=timezone.now().replace(microsecond=0),
        actor=getattr(actor, "username", "") or "",
        key_id=signing.key_id(public_key),
        public_key=public_key.hex(),
    )
    checkpoint.signature = signing.sign(checkpoint.body.encode("utf-8")).hex()
    checkpoint.full_clean()
    checkpoint.save()
    return checkpoint


def checkpoint_verify(checkpoint: Checkpoint, public_key: bytes | None = None) -> bool:
    """Whether ``checkpoint`` carries a valid signature by ``public_key`` (default: ours)."""
    trusted = signing.public_key_bytes() if public_key is None else public_key
    try:
        signature = bytes.fromhex(checkpoint.signature)
    except ValueError:
        return False
    return signing.signature_valid(trusted, signature, checkpoint.body.encode("utf-8"))
