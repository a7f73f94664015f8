"""Reads from the ledger: checkpoints and proofs computed from stored leaf hashes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from ledger import merkle
from ledger.models import ENTRY_ORDER, NODE_MIN_LEVEL, Checkpoint, LedgerEntry, LedgerNode

CHUNK = 5000


class LedgerDamaged(Exception):
    """Stored entries are missing where a proof needs them; run verify_archive."""


def entries_visible_to(user) -> QuerySet[LedgerEntry]:
    """The entries ``user`` may list, by the rule ``settings.LEDGER_ENTRIES_VISIBLE_TO`` names
    (the projects app's: the ledger does not know projects). Without one, operators only."""
    rule = getattr(settings, "LEDGER_ENTRIES_VISIBLE_TO", None)
    if rule:
        return import_string(rule)(user)
    if user.is_authenticated and user.is_staff:
        return LedgerEntry.objects.all()
    return LedgerEntry.objects.none()


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


# --- Subtree hashes, from the node cache and a few leaves ---
#
# A proof names O(log n) subtrees. Hashing them from the leaves would read the whole tree;
# instead every perfect aligned subtree of 8 leaves or more is in LedgerNode (written as it
# completes, see ledger_append), so each subtree of a proof is one cached hash, or at most 7
# leaves. A batch of proofs is two queries: its leaves, and its nodes.


def _plan(start: int, end: int, leaves: set[int], nodes: set[tuple[int, int]]) -> None:
    """Record which leaves and cached nodes MTH(D[start:end]) is made of."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        if level >= NODE_MIN_LEVEL:
            nodes.add((level, start >> level))
        else:
            leaves.update(range(start, end))
        return
    k = merkle._split(size)
    _plan(start, start + k, leaves, nodes)
    _plan(start + k, end, leaves, nodes)


def _hash(start: int, end: int, leaves: dict, nodes: dict) -> bytes:
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        if level >= NODE_MIN_LEVEL:
            return nodes[(level, start >> level)]
        return merkle.perfect_root([leaves[i] for i in range(start, end)])
    k = merkle._split(size)
    return merkle.node_hash(
        _hash(start, start + k, leaves, nodes), _hash(start + k, end, leaves, nodes)
    )


def _fetch_leaves(indexes: set[int]) -> dict[int, bytes]:
    """The stored leaf hashes at ``indexes``, in one query."""
    if not indexes:
        return {}
    # One array parameter, not an IN list: a proof batch names thousands of leaves, and
    # Django compiling and psycopg quoting each of them cost more than the lookup itself.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "index", leaf_hash FROM {LedgerEntry._meta.db_table}'  # noqa: S608
                ' WHERE "index" = ANY(%s::bigint[])',
                [sorted(indexes)],
            )
            found = {i: bytes.fromhex(h) for i, h in cursor.fetchall()}
    else:  # SQLite (make run): IN lists in chunks under its variable limit
        wanted = sorted(indexes)
        found = {}
        for at in range(0, len(wanted), CHUNK * 4):
            rows = LedgerEntry.objects.filter(index__in=wanted[at : at + CHUNK * 4])
            found.update((i, bytes.fromhex(h)) for i, h in rows.values_list("index", "leaf_hash"))
    if len(found) < len(indexes):
        missing = min(indexes - found.keys())
        raise LedgerDamaged(f"ledger entry #{missing} is missing")
    return found


def _fetch_nodes(positions: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The cached hashes at ``positions``, in one query (one array of indexes per level)."""
    by_level: dict[int, list[int]] = {}
    for level, index in positions:
        by_level.setdefault(level, []).append(index)
    if not by_level:
        return {}
    if connection.vendor != "postgresql":  # SQLite (make run): one IN list per level
        condition = Q()
        for level, indexes in by_level.items():
            condition |= Q(level=level, index__in=indexes)
        rows = LedgerNode.objects.filter(condition).values_list("level", "index", "hash")
        return {(level, index): bytes.fromhex(h) for level, index, h in rows}
    levels = sorted(by_level)
    where = " OR ".join('(level = %s AND "index" = ANY(%s::bigint[]))' for _ in levels)
    params = [value for level in levels for value in (level, sorted(by_level[level]))]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT level, "index", hash FROM {LedgerNode._meta.db_table} WHERE {where}',  # noqa: S608
            params,
        )
        return {(level, index): bytes.fromhex(h) for level, index, h in cursor.fetchall()}


def subtree_hashes(ranges: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """MTH(D[start:end]) of each range inside the stored tree, in two queries.

    A ledger written before the cache existed (or bulk-loaded) is backfilled the first time
    a node is missing (``node_cache_fill``); a node still missing then means missing entries.
    """
    ranges = set(ranges)
    leaf_indexes: set[int] = set()
    positions: set[tuple[int, int]] = set()
    for start, end in ranges:
        _plan(start, end, leaf_indexes, positions)
    leaves = _fetch_leaves(leaf_indexes)
    nodes = _fetch_nodes(positions)
    if len(nodes) < len(positions):
        node_cache_fill(max(end for _start, end in ranges))
        nodes = _fetch_nodes(positions)
        missing = sorted(positions - nodes.keys())
        if missing:
            level, index = missing[0]
            raise LedgerDamaged(f"ledger entries from #{index << level} are missing")
    return {(start, end): _hash(start, end, leaves, nodes) for start, end in ranges}


def subtree_hash(start: int, end: int) -> bytes:
    return subtree_hashes([(start, end)])[(start, end)]


def tree_root(tree_size: int) -> bytes:
    return subtree_hash(0, tree_size) if tree_size else merkle.EMPTY_ROOT


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    return inclusion_proofs([index], tree_size)[index]


def consistency_proof(first: int, second: int) -> list[bytes]:
    ranges = merkle.consistency_ranges(first, second)
    hashes = subtree_hashes(ranges)
    return [hashes[r] for r in ranges]


def inclusion_proofs(indexes: Iterable[int], tree_size: int) -> dict[int, list[bytes]]:
    """PATH(index, D[tree_size]) for each of ``indexes``, keyed by index, computed together
    in two queries: proofs in one tree share most of their subtrees."""
    paths = {index: merkle.inclusion_ranges(index, tree_size) for index in set(indexes)}
    hashes = subtree_hashes(r for ranges in paths.values() for r in ranges)
    return {index: [hashes[r] for r in ranges] for index, ranges in paths.items()}


def node_cache_fill(tree_size: int) -> int:
    """Write every cacheable subtree hash of the first ``tree_size`` entries that is not
    cached yet (a ledger from before the cache, or bulk-loaded entries): one streaming pass
    over the leaves, constant memory. Returns how many were added."""
    before = LedgerNode.objects.count()
    batch: list[LedgerNode] = []
    for level, index, node in merkle.completed_subtrees(leaf_hashes(0, tree_size)):
        if level >= NODE_MIN_LEVEL:
            batch.append(LedgerNode(level=level, index=index, hash=node.hex()))
            if len(batch) >= CHUNK:
                LedgerNode.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
    LedgerNode.objects.bulk_create(batch, ignore_conflicts=True)
    return LedgerNode.objects.count() - before


def latest_entries(record_type: str, record_ids: Iterable[str]) -> dict[str, LedgerEntry]:
    """The newest ledger entry of each record, keyed by record id."""
    latest: dict[str, LedgerEntry] = {}
    ids = [str(record_id) for record_id in record_ids]
    for start in range(0, len(ids), CHUNK):
        for entry in LedgerEntry.objects.filter(
            record_type=record_type, record_id__in=ids[start : start + CHUNK]
        ).order_by("record_id", *ENTRY_ORDER):
            latest[entry.record_id] = entry
    return latest
