"""Gives deferred ledger entries their indexes, in batches, away from the writers.

With ``LEDGER_SEQUENCING = "deferred"`` a write inserts its entry with no index and no leaf
hash, and takes no lock any other writer waits for (``ledger.services.ledger_append``). The
sequencer, as in the transparency logs that do the same (Trillian, Tessera), takes the
committed entries that wait, in the order they were written (by id), gives them the next
consecutive indexes, computes their leaf hashes, extends the tree's frontier and the
subtree cache (LedgerNode), and moves the head on, all in one short transaction.

What keeps the guarantees:
- one sequencer at a time: each batch locks the head row (the lock inline appends take), so
  a second sequencer, or an inline append, waits for the batch to commit and then sees it;
- no gaps: indexes come from the head's size, under that lock, and the batch commits whole;
- only committed entries: the batch reads in its own transaction, so an entry whose write is
  still open is not seen yet, and one whose write rolled back never existed;
- no reordering: an index, once given, is never given again (``index`` is unique and the
  update only touches entries that have none).

``run`` is the loop the job worker runs (``settings.JOB_LOOPS``); ``sequence_all`` is what
``checkpoint_create`` calls first, so a checkpoint covers everything committed before it.
"""

from __future__ import annotations

import json
import logging
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger import merkle
from ledger.canonical import canonical_json
from ledger.models import (
    LEAF_FIELDS,
    NODE_MIN_LEVEL,
    LedgerEntry,
    LedgerHead,
    LedgerNode,
    build_leaf_data,
)

logger = logging.getLogger(__name__)

_qn = connection.ops.quote_name
_ENTRY_TABLE = _qn(LedgerEntry._meta.db_table)
_HEAD_TABLE = _qn(LedgerHead._meta.db_table)
_INDEX = _qn("index")
# PostgreSQL: one statement writes the whole batch: the indexes and leaf hashes, the subtree
# hashes completed, and the head. Round trips are what a batch costs on a busy machine. The
# guard on a NULL index makes a stale batch (impossible under the head lock, but cheap to
# rule out) update fewer entries than it holds, and the caller then rolls it all back.
_WRITE_BATCH = (
    f"WITH entries AS (UPDATE {_ENTRY_TABLE} AS e SET {_INDEX} = v.i, leaf_hash = v.h"  # noqa: S608
    " FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(id, i, h)"
    f" WHERE e.id = v.id AND e.{_INDEX} IS NULL RETURNING 1),"
    f" nodes AS (INSERT INTO {_qn(LedgerNode._meta.db_table)} (level, {_INDEX}, hash)"
    " SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::text[]) ON CONFLICT DO NOTHING)"
    f" UPDATE {_HEAD_TABLE} SET size = %s, frontier = %s WHERE id = 1"
    " RETURNING (SELECT count(*) FROM entries)"
)


def pending_count() -> int:
    """How many committed entries wait for an index."""
    return LedgerEntry.objects.filter(index__isnull=True).count()


def sequence_pending(limit: int | None = None, *, probe: bool = True) -> int:
    """Sequence up to ``limit`` (default ``LEDGER_SEQUENCER_BATCH``) waiting entries, oldest
    first, in one transaction; returns how many.

    With ``probe``, when nothing waits it takes no lock and opens no transaction: the loop
    asks several times a second, and on SQLite a transaction is a lock on the whole
    database. (The loop skips the probe right after a batch: more is likely waiting.)"""
    if probe and not LedgerEntry.objects.filter(index__isnull=True).exists():
        return 0
    with transaction.atomic():
        return _sequence_batch(limit or settings.LEDGER_SEQUENCER_BATCH)


def _sequence_batch(limit: int) -> int:
    from ledger.services import _locked_head

    # The head first, locked: entries read after the lock is granted include every batch
    # committed before it (each statement sees what was committed when it started).
    head = _locked_head()
    rows = list(
        LedgerEntry.objects.filter(index__isnull=True)
        .order_by("id")
        .values_list("id", *LEAF_FIELDS[1:])[:limit]
    )
    if not rows:
        return 0
    frontier = [bytes.fromhex(h) for h in head.frontier]
    size = head.size
    ids, indexes, leaves = [], [], []
    nodes: list[tuple[int, int, str]] = []
    for pk, *fields in rows:
        leaf = merkle.leaf_hash(canonical_json(build_leaf_data(size, *fields)))
        for level, position, node in merkle._push(frontier, size, leaf):
            if level >= NODE_MIN_LEVEL:
                nodes.append((level, position, node.hex()))
        ids.append(pk)
        indexes.append(size)
        leaves.append(leaf.hex())
        size += 1
    frontier_hex = [h.hex() for h in frontier]
    if connection.vendor == "postgresql":
        levels = [level for level, _, _ in nodes]
        positions = [position for _, position, _ in nodes]
        hashes = [node for _, _, node in nodes]
        with connection.cursor() as cursor:
            cursor.execute(
                _WRITE_BATCH,
                [ids, indexes, leaves, levels, positions, hashes, size, json.dumps(frontier_hex)],
            )
            updated = cursor.fetchone()[0]
    else:
        entries = [
            LedgerEntry(pk=pk, index=index, leaf_hash=leaf)
            for pk, index, leaf in zip(ids, indexes, leaves, strict=True)
        ]
        updated = LedgerEntry.objects.bulk_update(entries, ["index", "leaf_hash"])
        LedgerNode.objects.bulk_create(
            [LedgerNode(level=lv, index=i, hash=h) for lv, i, h in nodes], ignore_conflicts=True
        )
        LedgerHead.objects.filter(pk=1).update(size=size, frontier=frontier_hex)
    if updated != len(ids):
        # Rolls the whole batch back: the head and the entries stay as they were.
        raise RuntimeError(
            f"sequenced {updated} of {len(ids)} entries: another writer indexed entries"
            " while the ledger head was locked"
        )
    return len(ids)


def sequence_all() -> int:
    """Sequence every entry committed so far (batch after batch); returns how many."""
    total = 0
    while done := sequence_pending():
        total += done
    return total


def run(stop: threading.Event) -> None:
    """The sequencer loop (``settings.JOB_LOOPS``): a batch, then another at once if the
    batch was full, else a pause of ``LEDGER_SEQUENCER_INTERVAL_MS``; until ``stop`` is set.

    A failing batch (the database restarting, say) is logged and retried after a pause that
    doubles up to half a minute; nothing is lost, the entries wait in the table.
    """
    interval = settings.LEDGER_SEQUENCER_INTERVAL_MS / 1000
    batch = settings.LEDGER_SEQUENCER_BATCH
    backoff = interval
    done = 0
    while not stop.is_set():
        try:
            done = sequence_pending(batch, probe=not done)
        except Exception:
            logger.exception("ledger sequencer: batch failed; retrying in %.1f s", backoff)
            connection.close()  # a broken connection is opened afresh on the next batch
            stop.wait(backoff)
            backoff = min(backoff * 2, 30.0)
            done = 0
            continue
        backoff = interval
        if done < batch:
            stop.wait(interval)
    connection.close()


def lag_seconds() -> float | None:
    """How long the oldest waiting entry has waited (by the database's clock), or None."""
    oldest = (
        LedgerEntry.objects.filter(index__isnull=True)
        .order_by("id")
        .values_list("recorded_at", flat=True)
        .first()
    )
    if oldest is None:
        return None
    return max(0.0, (database_now() - oldest).total_seconds())


def database_now():
    """The database's clock (entries' times come from it on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()
