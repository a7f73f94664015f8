"""Writes to the ledger: appends (inside the caller's transaction) and signed checkpoints.

Sequencing pending entries (deferred appends) is ``ledger.sequencer``'s."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.metrics import ledger_append_counted
from ledger import merkle, signing
from ledger.canonical import canonical_json, record_hash, record_type
from ledger.models import (
    NODE_MIN_LEVEL,
    Checkpoint,
    LedgerEntry,
    LedgerHead,
    LedgerNode,
    record_project_id,
)
from ledger.selectors import checkpoint_latest

# Table and column names come from the models, never from input.
_qn = connection.ops.quote_name
_HEAD_TABLE = _qn(LedgerHead._meta.db_table)
_ENTRY_FIELDS = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]
# PostgreSQL only (a data-modifying WITH): insert the entry and the subtree hashes it
# completes, and store the new frontier, in one round trip while the head lock is held.
_ENTRY_INSERT = (
    f"entry AS (INSERT INTO {_qn(LedgerEntry._meta.db_table)}"  # noqa: S608
    f" ({', '.join(_qn(f.column) for f in _ENTRY_FIELDS)})"
    f" VALUES ({', '.join(['%s'] * len(_ENTRY_FIELDS))}) RETURNING id)"
)
_NODE_INSERT = (
    f"nodes AS (INSERT INTO {_qn(LedgerNode._meta.db_table)} (level, {_qn('index')}, hash)"  # noqa: S608
    " VALUES {values} ON CONFLICT DO NOTHING)"
)
_HEAD_UPDATE = (
    f" UPDATE {_HEAD_TABLE} SET frontier = %s WHERE id = 1 RETURNING (SELECT id FROM entry)"  # noqa: S608
)


def _append_sql(node_count: int) -> str:
    parts = [_ENTRY_INSERT]
    if node_count:
        parts.append(_NODE_INSERT.format(values=", ".join(["(%s, %s, %s)"] * node_count)))
    return "WITH " + ", ".join(parts) + _HEAD_UPDATE


def _locked_head() -> LedgerHead:
    # Migration 0002 creates the row; creating it here too keeps the ledger working after a
    # test run truncates every table. A lost row on a non-empty ledger still fails loudly:
    # index 0 is taken.
    head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    return head


def _claim_next_index(cursor) -> tuple[int, list[bytes]]:
    """Lock the head and move it on by one: the new entry's index and the frontier before it.

    One plain UPDATE both takes the lock and reads the head, because every other writer
    waits from here until the caller commits.
    """
    cursor.execute(
        f"UPDATE {_HEAD_TABLE} SET size = size + 1 WHERE id = 1 RETURNING size, frontier"  # noqa: S608
    )
    row = cursor.fetchone()
    if row is None:
        _locked_head()
        return _claim_next_index(cursor)
    size, frontier = row
    if isinstance(frontier, str):  # JSON arrives as text on some backends
        frontier = json.loads(frontier)
    return size - 1, [bytes.fromhex(h) for h in frontier]


def _unsequenced_insert_sql() -> str:
    columns, values = [], []
    for field in _ENTRY_FIELDS:
        if field.attname in ("index", "leaf_hash"):
            continue  # NULL and empty until the sequencer sets them
        columns.append(_qn(field.column))
        values.append("clock_timestamp()" if field.attname == "recorded_at" else "%s")
    return (
        f"INSERT INTO {_qn(LedgerEntry._meta.db_table)} ({', '.join(columns)}, leaf_hash)"  # noqa: S608
        f" VALUES ({', '.join(values)}, '') RETURNING id, recorded_at"
    )


_UNSEQUENCED_FIELDS = [
    f for f in _ENTRY_FIELDS if f.attname not in ("index", "leaf_hash", "recorded_at")
]
_UNSEQUENCED_INSERT = _unsequenced_insert_sql()


def _append_unsequenced(db, entry: LedgerEntry) -> LedgerEntry:
    """Insert ``entry`` without an index: no lock that another writer waits for. The time is
    the database's, so the ledger's times come from one clock whichever server wrote them."""
    if db.vendor == "postgresql":
        values = [f.get_db_prep_save(getattr(entry, f.attname), db) for f in _UNSEQUENCED_FIELDS]
        with db.cursor() as cursor:
            cursor.execute(_UNSEQUENCED_INSERT, values)
            entry.pk, entry.recorded_at = cursor.fetchone()
        entry._state.adding = False
        entry._state.db = db.alias
    else:
        entry.recorded_at = timezone.now()
        entry.save(force_insert=True)
    return entry


def ledger_append(
    *,
    record: models.Model,
    action: str,
    actor=None,
) -> LedgerEntry:
    """Append one entry for ``record``, in the caller's transaction: a rolled-back write
    takes its entry with it.

    Deferred (``LEDGER_SEQUENCING``): the entry is inserted without an index and the
    sequencer (``ledger.sequencer``) gives it one once the caller has committed; the
    returned entry has no index yet. Inline: the entry takes the next index and advances
    the tree here, and the head row stays locked until the caller commits, so concurrent
    writers get consecutive indexes with no gaps but wait for one another.
    """
    db = transaction.get_connection()
    if not db.in_atomic_block:
        raise RuntimeError("ledger_append must run inside the writing service's transaction")
    entry = LedgerEntry(
        record_type=record_type(record),
        record_id=str(record.pk),
        action=action,
        content_hash=record_hash(record),
        actor_id=getattr(actor, "pk", None),
        actor=getattr(actor, "username", "") or "",
        project_id=record_project_id(record),
    )
    if settings.LEDGER_SEQUENCING == "deferred":
        _append_unsequenced(db, entry)
        ledger_append_counted()
        return entry
    # Everything above runs before the lock is taken; everything below, under it.
    with db.cursor() as cursor:
        entry.index, frontier = _claim_next_index(cursor)
        entry.recorded_at = timezone.now()
        leaf = merkle.leaf_hash(canonical_json(entry.leaf_data()))
        entry.leaf_hash = leaf.hex()
        frontier, completed = merkle.frontier_append_subtrees(frontier, entry.index, leaf)
        frontier_json = json.dumps([h.hex() for h in frontier])
        nodes = [(lv, i, h.hex()) for lv, i, h in completed if lv >= NODE_MIN_LEVEL]
        if db.vendor == "postgresql":
            values = [f.get_db_prep_save(getattr(entry, f.attname), db) for f in _ENTRY_FIELDS]
            node_values = [value for node in nodes for value in node]
            cursor.execute(_append_sql(len(nodes)), [*values, *node_values, frontier_json])
            entry.pk = cursor.fetchone()[0]
            entry._state.adding = False
            entry._state.db = db.alias
        else:
            entry.save(force_insert=True)
            LedgerNode.objects.bulk_create(
                [LedgerNode(level=lv, index=i, hash=h) for lv, i, h in nodes],
                ignore_conflicts=True,
            )
            cursor.execute(
                f"UPDATE {_HEAD_TABLE} SET frontier = %s WHERE id = 1",  # noqa: S608
                [frontier_json],
            )
    ledger_append_counted()
    return entry


@transaction.atomic
def checkpoint_create(*, actor=None) -> Checkpoint:
    """Sign the current tree head; returns the latest checkpoint if nothing was appended since.

    Deferred, entries waiting for the sequencer are sequenced first, so the checkpoint
    covers every entry committed before it. (Inline, entries are sequenced as they are
    written; any left from a time of deferred writing are the worker loop's.) The head is
    locked while it is read so the size and root belong to the same tree.
    """
    if settings.LEDGER_SEQUENCING == "deferred":
        from ledger.sequencer import sequence_all

        sequence_all()
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


def ledgered_save(instance, *, action: str, actor) -> None:
    """Validate and save ``instance`` and append its ledger entry: the last step of every
    service that writes a ledgered record, inside the service's transaction."""
    instance.full_clean()
    instance.save()
    ledger_append(record=instance, action=action, actor=actor)


def model_update(instance, changes: dict[str, Any], *, allowed: Iterable[str]) -> None:
    """Set ``changes`` on ``instance``, refusing any field not in ``allowed`` with a message
    that names it (a service's allow-list of what a person may change); the caller saves."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    for field, value in changes.items():
        setattr(instance, field, value)


def checkpoint_covering(index: int | None = None) -> Checkpoint:
    """A signed checkpoint whose tree holds entry ``index`` (with None: every entry so far),
    for proofs against it: the latest checkpoint when it does, else one signed now. With
    ``ledger_checkpoint`` run every few minutes, a read that proves entries (the trace, a
    package) signs nothing itself except for entries newer than the last run. With None,
    entries still waiting for the sequencer are sequenced first (``checkpoint_create``)."""
    if index is not None:
        latest = checkpoint_latest()
        if latest is not None and latest.tree_size > index:
            return latest
    return checkpoint_create(actor=None)


def checkpoint_verify(checkpoint: Checkpoint, public_key: bytes | None = None) -> bool:
    """Whether ``checkpoint`` carries a valid signature by ``public_key``, or by default by a
    key the archive trusts (the current one, or a retired one before it was retired)."""
    if public_key is None:
        trusted = signing.trusted_keys().get(checkpoint.public_key)
        if trusted is None:
            return False
        if trusted.retired_at is not None and checkpoint.signed_at > trusted.retired_at:
            return False
        public_key = trusted.public_key
    try:
        signature = bytes.fromhex(checkpoint.signature)
        body = checkpoint.body.encode("utf-8")
    except ValueError:  # a hash or signature column that is no longer hex
        return False
    return signing.signature_valid(public_key, signature, body)
