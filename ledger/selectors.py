"""Reads from the ledger: checkpoints and proofs computed from stored leaf hashes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ledger import merkle
from ledger.models import Checkpoint, LedgerEntry

CHUNK = 5000


class LedgerDamaged(Exception):
    """Stored entries are missing where a proof needs them; run verify_archive."""


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size", "-signed_at").first()


def checkpoint_of_size(tree_size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(tree_size=tree_size).order_by("-signed_at").first()


def leaf_hashes(start: int, end: int) -> Iterator[bytes]:
    """Stored leaf hashes of entries ``start`` ≤ index < ``end``, in index order, streamed."""
    rows = (
        LedgerEntry.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "leaf_hash")
        .iterator(chunk_size=CHUNK)
    )
    expected = start
    for index, leaf in rows:
        if index != expected:
            raise LedgerDamaged(f"ledger entry #{expected} is missing")
        expected += 1
        yield bytes.fromhex(leaf)
    if expected != end:
        raise LedgerDamaged(f"ledger entry #{expected} is missing")


def subtree_hash(start: int, end: int) -> bytes:
    return merkle.root_from_leaves(leaf_hashes(start, end))


def tree_root(tree_size: int) -> bytes:
    return subtree_hash(0, tree_size)


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    return [subtree_hash(a, b) for a, b in merkle.inclusion_ranges(index, tree_size)]


def consistency_proof(first: int, second: int) -> list[bytes]:
    return [subtree_hash(a, b) for a, b in merkle.consistency_ranges(first, second)]


def inclusion_proofs(indexes: Iterable[int], tree_size: int) -> dict[int, list[bytes]]:
    """PATH(index, D[tree_size]) for each of ``indexes``, keyed by index."""
    return {index: inclusion_proof(index, tree_size) for index in set(indexes)}


def latest_entries(record_type: str, record_ids: Iterable[str]) -> dict[str, LedgerEntry]:
    """The newest ledger entry of each record, keyed by record id."""
    latest: dict[str, LedgerEntry] = {}
    ids = [str(record_id) for record_id in record_ids]
    for start in range(0, len(ids), CHUNK):
        for entry in LedgerEntry.objects.filter(
            record_type=record_type, record_id__in=ids[start : start + CHUNK]
        ).order_by("record_id", "index"):
            latest[entry.record_id] = entry
    return latest
