"""The entries and inclusion proofs of a set of records, against one checkpoint.

A reader that names many records (the defect trace) wants each one's newest ledger entry and
its proof, without a query per record: ``RecordProofs`` collects the records first
(``want``), then reads every entry in one query and every proof in one batch (``load``:
``ledger.selectors.inclusion_proofs``), and answers per record (``of``). All proofs are
against one checkpoint (``checkpoint_data``): ``ledger.services.checkpoint_covering`` the
newest entry read, the latest checkpoint if it covers it, else one signed now.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Model, Q

from ledger import merkle
from ledger.canonical import (
    canonical_json,
    canonical_value,
    record_content,
    record_hash,
    record_type,
)
from ledger.models import ENTRY_ORDER, LEAF_FIELDS, Checkpoint, LedgerEntry, build_leaf_data
from ledger.selectors import checkpoint_latest, inclusion_proofs
from ledger.sequencer import sequence_all
from ledger.services import checkpoint_covering, checkpoint_verify


def ledger_content(instance: Model) -> dict:
    """What the ledger hashes of ``instance`` (``ledger.canonical.record_hash``'s content)."""
    if hasattr(instance, "ledger_content"):
        return instance.ledger_content()
    return record_content(instance)


def entry_rows(wanted: dict[str, set[str]]) -> list[tuple]:
    """``LEAF_FIELDS`` and the leaf hash of every entry of the ``wanted`` records (record
    type → ids), in index order (entries waiting for the sequencer last), in one query: one
    array of ids per type, not an IN list (a trace names hundreds of records; compiling and
    quoting each id cost more than the lookup)."""
    if not wanted:
        return []
    if connection.vendor != "postgresql":  # SQLite (make run): no arrays, few records
        condition = Q(pk__in=[])
        for kind, ids in wanted.items():
            condition |= Q(record_type=kind, record_id__in=sorted(ids))
        rows = LedgerEntry.objects.filter(condition).order_by(*ENTRY_ORDER)
        return list(rows.values_list(*LEAF_FIELDS, "leaf_hash"))
    kinds = sorted(wanted)
    where = " OR ".join("(record_type = %s AND record_id = ANY(%s::text[]))" for _ in kinds)
    params = [value for kind in kinds for value in (kind, sorted(wanted[kind]))]
    columns = ", ".join(f'"{name}"' for name in (*LEAF_FIELDS, "leaf_hash"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {LedgerEntry._meta.db_table}"  # noqa: S608 - ours
            f' WHERE {where} ORDER BY "index" NULLS LAST, id',
            params,
        )
        return cursor.fetchall()


class ProofCache:
    """Inclusion proofs already computed, keyed by the checkpoint's root hash, its tree size
    and the leaf index, in this process, the least recently used dropped first.

    A proof depends on nothing else: an entry's index and a checkpoint never change, a
    record changed since gets a new entry (a new index), and a new checkpoint a new root. So
    a trace of the same case after the same checkpoint reads its proofs from here instead of
    a few thousand subtree hashes from the database; after a new checkpoint it computes them
    again. ``size`` proofs of ~25 hashes: ~1 KB each."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._proofs: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, checkpoint: Checkpoint, indexes: Iterable[int]) -> dict[int, list[bytes]]:
        key = (checkpoint.root_hash, checkpoint.tree_size)
        found: dict[int, list[bytes]] = {}
        with self._lock:
            for index in indexes:
                path = self._proofs.get((*key, index))
                if path is not None:
                    self._proofs.move_to_end((*key, index))
                    found[index] = [path[i : i + 32] for i in range(0, len(path), 32)]
        return found

    def put_many(self, checkpoint: Checkpoint, proofs: dict[int, list[bytes]]) -> None:
        key = (checkpoint.root_hash, checkpoint.tree_size)
        with self._lock:
            for index, path in proofs.items():
                self._proofs[(*key, index)] = b"".join(path)
            while len(self._proofs) > self.size:
                self._proofs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._proofs.clear()


proof_cache = ProofCache(getattr(settings, "LEDGER_PROOF_CACHE_SIZE", 20_000))


def checkpoint_proofs(indexes: Iterable[int], checkpoint: Checkpoint) -> dict[int, list[bytes]]:
    """PATH(index, D[checkpoint.tree_size]) of each of ``indexes`` (all inside the
    checkpoint's tree), from ``proof_cache`` where it has them, the others computed together
    (``ledger.selectors.inclusion_proofs``) and cached."""
    indexes = set(indexes)
    proofs = proof_cache.get_many(checkpoint, indexes)
    missing = indexes - proofs.keys()
    if missing:
        computed = inclusion_proofs(missing, checkpoint.tree_size)
        proof_cache.put_many(checkpoint, computed)
        proofs.update(computed)
    return proofs


class RecordProofs:
    """Collects the records a reader names, then fetches their newest entries in one query
    and their proofs in one batch, against one checkpoint."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[str]] = defaultdict(set)
        # (record type, record id) -> (LEAF_FIELDS values, leaf hash) of the newest entry
        self.entries: dict[tuple[str, str], tuple[tuple, str]] = {}
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
        self._read()
        if any(e[0][0] is None for e in self.entries.values()):
            # Committed writes whose entries wait for the sequencer: sequence them now
            # rather than answer without their proofs.
            sequence_all()
            self._read()
        # An entry still without an index is another transaction's, not committed yet.
        self.entries = {k: e for k, e in self.entries.items() if e[0][0] is not None}
        indexes = [e[0][0] for e in self.entries.values()]
        checkpoint = checkpoint_covering(max(indexes, default=0))
        self.checkpoint = checkpoint
        if indexes:
            proofs = checkpoint_proofs(indexes, checkpoint)
            self.proofs = {i: [h.hex() for h in path] for i, path in proofs.items()}

    def _read(self) -> None:
        self.entries = {}
        for *fields, leaf in entry_rows(self.wanted):
            self.entries[(fields[1], fields[2])] = (tuple(fields), leaf)  # the newest wins

    def of(self, instance: Model | None) -> dict | None:
        """The newest entry of ``instance`` with its proof (hex hashes), or None: no
        instance, or a record written without the ledger (synthetic benchmark rows).

        Everything a third party needs to check the item with the answer alone: ``content``,
        the record's canonical JSON (its SHA-256 is the entry's content hash, ``leaf.hash``);
        ``leaf``, the entry as its leaf hashes it (``leaf_hash`` = SHA-256(0x00 || canonical
        JSON of ``leaf``)); and the RFC 9162 inclusion proof of that leaf against the
        checkpoint."""
        if instance is None:
            return None
        entry = self.entries.get((record_type(instance), str(instance.pk)))
        if entry is None:
            return None
        fields, leaf = entry
        # The leaf data as its hash covers it, JSON-ready: its time as canonical text, its
        # keys in canonical order (what a round trip through canonical JSON gives, without).
        data = build_leaf_data(*fields[:-1], canonical_value(fields[-1]))
        leaf_data = {key: data[key] for key in sorted(data)}
        index = leaf_data["index"]
        return {
            "index": index,
            "action": leaf_data["action"],
            "leaf_hash": leaf,
            "inclusion_proof": self.proofs.get(index),
            "leaf": leaf_data,
            "content": canonical_json(ledger_content(instance)).decode(),
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
            "witnessed_note": checkpoint.witnessed_note(),
        }


# --- What a page shows beside a record: is it the record the ledger proves? ---


@dataclass(frozen=True)
class RecordCheck:
    """One record checked the way an outside verifier would check it.

    ``state`` is one of:
    - ``verified``: the record hashes to its newest entry, the entry's leaf hash rebuilds
      from its columns, and its inclusion proof leads to the root of the latest checkpoint,
      whose signature is the archive key's;
    - ``pending``: the record hashes to its newest entry, but that entry is newer than the
      latest checkpoint (proven at the next ``ledger_checkpoint``), or still waits for the
      sequencer (no index yet: ``LEDGER_SEQUENCING = "deferred"``, within a second or so);
    - ``mismatch``: any of those checks failed (or the checkpoint's signature did);
    - ``unrecorded``: the ledger has no entry for the record.
    """

    state: str
    index: int | None = None
    action: str = ""
    recorded_at: datetime | None = None
    actor: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("verified", "pending")


UNRECORDED = RecordCheck(state="unrecorded")


class RecordChecks:
    """Checks many records against the ledger in a constant number of queries: one for the
    newest entries of every record, one for the latest checkpoint, two for all the proofs.
    Nothing is signed on read: entries newer than the latest checkpoint are ``pending``.

        checks = RecordChecks(records)  # any models, mixed
        checks.of(record).state
    """

    def __init__(self, records: Iterable[Model | None]) -> None:
        self.records = [r for r in records if r is not None]
        self.checkpoint: Checkpoint | None = None
        self.forged_checkpoint = False
        self._checks: dict[tuple[str, str], RecordCheck] = {}
        self._load()

    def _load(self) -> None:
        if not self.records:
            return
        wanted: dict[str, set[str]] = defaultdict(set)
        for record in self.records:
            wanted[record_type(record)].add(str(record.pk))
        condition = Q(pk__in=[])
        for kind, ids in wanted.items():
            condition |= Q(record_type=kind, record_id__in=sorted(ids))
        latest: dict[tuple[str, str], LedgerEntry] = {}
        for entry in LedgerEntry.objects.filter(condition).order_by(*ENTRY_ORDER):
            latest[(entry.record_type, entry.record_id)] = entry  # the newest wins
        checkpoint = checkpoint_latest()
        if checkpoint is not None and not checkpoint_verify(checkpoint):
            self.forged_checkpoint = True
            checkpoint = None
        self.checkpoint = checkpoint
        size = checkpoint.tree_size if checkpoint else 0
        root = bytes.fromhex(checkpoint.root_hash) if checkpoint else b""
        proven = [e.index for e in latest.values() if e.index is not None and e.index < size]
        proofs = checkpoint_proofs(proven, checkpoint) if proven else {}
        for record in self.records:
            key = (record_type(record), str(record.pk))
            entry = latest.get(key)
            if entry is None:
                self._checks[key] = UNRECORDED
                continue
            if entry.index is None:  # not sequenced yet: no leaf to check, only the content
                leaf_ok = True
            else:
                leaf = merkle.leaf_hash(canonical_json(entry.leaf_data()))
                leaf_ok = leaf.hex() == entry.leaf_hash
            if self.forged_checkpoint or entry.content_hash != record_hash(record) or not leaf_ok:
                state = "mismatch"
            elif entry.index is None or entry.index >= size:
                state = "pending"
            elif merkle.verify_inclusion(leaf, entry.index, size, proofs[entry.index], root):
                state = "verified"
            else:
                state = "mismatch"
            self._checks[key] = RecordCheck(
                state=state,
                index=entry.index,
                action=entry.action,
                recorded_at=entry.recorded_at,
                actor=entry.actor,
            )

    def of(self, record: Model | None) -> RecordCheck:
        if record is None:
            return UNRECORDED
        return self._checks.get((record_type(record), str(record.pk)), UNRECORDED)

    @property
    def all_ok(self) -> bool:
        return all(check.ok for check in self._checks.values())
