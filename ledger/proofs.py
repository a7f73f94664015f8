"""The entries and inclusion proofs of a set of records, against one checkpoint.

A reader that names many records (the defect trace) wants each one's newest ledger entry and
its proof, without a query per record: ``RecordProofs`` collects the records first
(``want``), then reads every entry in one query and every proof in one batch (``load``:
``ledger.selectors.inclusion_proofs``), and answers per record (``of``). All proofs are
against one checkpoint (``checkpoint_data``): ``ledger.services.checkpoint_covering`` the
newest entry read, the latest checkpoint if it covers it, else one signed now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Model, Q

from ledger.canonical import record_type
from ledger.models import Checkpoint, LedgerEntry
from ledger.selectors import inclusion_proofs
from ledger.services import checkpoint_covering


class RecordProofs:
    """Collects the records a reader names, then fetches their newest entries in one query
    and their proofs in one batch, against one checkpoint."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[str]] = defaultdict(set)
        # (record type, record id) -> (index, action, leaf hash) of the newest entry
        self.entries: dict[tuple[str, str], tuple[int, str, str]] = {}
        self.proofs: dict[int, list[str]] = {}
        self.checkpoint: Checkpoint | None = None

    def want(self, instances: Iterable[Model | None]) -> None:
        """Add ``instances`` (None is skipped) to the records ``load`` reads."""
        for instance in instances:
            if instance is not None:
                self.wanted[record_type(instance)].add(str(instance.pk))

    def load(self) -> None:
        """Read the newest entry of each wanted record and its proof against a checkpoint
        covering them all (signed now if the latest does not)."""
        condition = Q(pk__in=[])
        for kind, ids in self.wanted.items():
            condition |= Q(record_type=kind, record_id__in=sorted(ids))
        rows = LedgerEntry.objects.filter(condition).order_by("index")
        for kind, record_id, index, action, leaf in rows.values_list(
            "record_type", "record_id", "index", "action", "leaf_hash"
        ):
            self.entries[(kind, record_id)] = (index, action, leaf)  # the newest wins
        newest = max((e[0] for e in self.entries.values()), default=-1)
        checkpoint = checkpoint_covering(max(newest, 0))
        self.checkpoint = checkpoint
        if self.entries:
            indexes = [e[0] for e in self.entries.values()]
            proofs = inclusion_proofs(indexes, checkpoint.tree_size)
            self.proofs = {i: [h.hex() for h in path] for i, path in proofs.items()}

    def of(self, instance: Model | None) -> dict | None:
        """The newest entry of ``instance`` with its proof (hex hashes), or None: no
        instance, or a record written without the ledger (synthetic benchmark rows)."""
        if instance is None:
            return None
        entry = self.entries.get((record_type(instance), str(instance.pk)))
        if entry is None:
            return None
        index, action, leaf = entry
        return {
            "index": index,
            "action": action,
            "leaf_hash": leaf,
            "inclusion_proof": self.proofs[index],
        }

    def checkpoint_data(self) -> dict:
        """The checkpoint every proof is against, as plain data (after ``load``)."""
        checkpoint = self.checkpoint
        return {
            "origin": checkpoint.origin,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at,
            "key_id": checkpoint.key_id,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature,
            "note": checkpoint.note,
        }
