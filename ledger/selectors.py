"""Reads from the ledger: checkpoints and proofs computed from stored leaf hashes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Q

from ledger import merkle
from ledger.models import Checkpoint, LedgerEntry, LedgerNode

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


# --- Subtree hashes, from the leaves and the node cache ---
#
# A proof names O(log n) subtrees, but hashing a subtree from its leaves reads all of them:
# a proof in a tree of a million entries would read a million rows. So the hashes of aligned
# perfect subtrees of 2^8 and 2^16 leaves are kept in LedgerNode, computed the first time a
# proof needs them (or by ``ledger_checkpoint``). Any subtree is then at most 255 leaves,
# 255 level-8 and a few level-16 hashes, fetched for a whole batch of proofs in a few
# queries. The levels are those of C2SP tlog-tiles (tiles of height 8).

NODE_LEVELS = (8, 16)
_LEVELS = (0, *NODE_LEVELS)


def _plan(start: int, end: int, need: dict[int, set[int]]) -> None:
    """Record which leaves and cached nodes MTH(D[start:end]) is made of."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = max(lv for lv in _LEVELS if 1 << lv <= size)
        need[level].update(range(start >> level, end >> level))
        return
    k = merkle._split(size)
    _plan(start, start + k, need)
    _plan(start + k, end, need)


def _hash(start: int, end: int, have: dict[int, dict[int, bytes]]) -> bytes:
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = max(lv for lv in _LEVELS if 1 << lv <= size)
        return merkle.perfect_root([have[level][i] for i in range(start >> level, end >> level)])
    k = merkle._split(size)
    return merkle.node_hash(_hash(start, start + k, have), _hash(start + k, end, have))


def _fetch_leaves(indexes: set[int], have: dict[int, bytes]) -> None:
    wanted = sorted(indexes - have.keys())
    scattered: list[int] = []
    stretches: list[tuple[int, int]] = []
    # Whole blocks (filling the cache) are read as ranges, odd leaves (proofs) by index.
    for start, end in _runs(wanted):
        if end - start >= 256:
            stretches.append((start, end))
        else:
            scattered.extend(range(start, end))
    for at in range(0, len(stretches), 64):
        where = Q()
        for start, end in stretches[at : at + 64]:
            where |= Q(index__gte=start, index__lt=end)
        rows = LedgerEntry.objects.filter(where).values_list("index", "leaf_hash")
        have.update((index, bytes.fromhex(leaf)) for index, leaf in rows)
    for at in range(0, len(scattered), CHUNK * 4):
        chunk = scattered[at : at + CHUNK * 4]
        rows = LedgerEntry.objects.filter(index__in=chunk).values_list("index", "leaf_hash")
        have.update((index, bytes.fromhex(leaf)) for index, leaf in rows)
    missing = [index for index in wanted if index not in have]
    if missing:
        raise LedgerDamaged(f"ledger entry #{missing[0]} is missing")


def _runs(ordered: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive stretches of sorted integers, as half-open ranges."""
    start = previous = None
    for value in ordered:
        if start is None:
            start = value
        elif value != previous + 1:
            yield start, previous + 1
            start = value
        previous = value
    if start is not None:
        yield start, previous + 1


def _fetch_nodes(level: int, indexes: set[int], have: dict[int, bytes]) -> None:
    wanted = sorted(indexes - have.keys())
    for at in range(0, len(wanted), CHUNK * 4):
        rows = LedgerNode.objects.filter(level=level, index__in=wanted[at : at + CHUNK * 4])
        have.update((index, bytes.fromhex(h)) for index, h in rows.values_list("index", "hash"))


def _fill_nodes(level: int, indexes: set[int], have: dict[int, dict[int, bytes]]) -> None:
    """Make sure ``have[level]`` holds the nodes ``indexes``: from the cache, else computed
    from the level below (recursively) and stored for the next proof."""
    _fetch_nodes(level, indexes, have[level])
    missing = sorted(indexes - have[level].keys())
    if not missing:
        return
    below = _LEVELS[_LEVELS.index(level) - 1]
    fan = 1 << (level - below)
    children = {child for index in missing for child in range(index * fan, (index + 1) * fan)}
    if below == 0:
        _fetch_leaves(children, have[0])
    else:
        _fill_nodes(below, children, have)
    made = []
    for index in missing:
        node = merkle.perfect_root([have[below][c] for c in range(index * fan, (index + 1) * fan)])
        have[level][index] = node
        made.append(LedgerNode(level=level, index=index, hash=node.hex()))
    LedgerNode.objects.bulk_create(made, batch_size=CHUNK, ignore_conflicts=True)


def subtree_hashes(ranges: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """MTH(D[start:end]) of each range, from a handful of queries whatever the tree size.

    Ranges must lie inside the stored tree; entries are immutable, so a cached node once
    computed stays right (and ``verify_archive`` checks that it does).
    """
    ranges = set(ranges)
    need: dict[int, set[int]] = {level: set() for level in _LEVELS}
    for start, end in ranges:
        _plan(start, end, need)
    have: dict[int, dict[int, bytes]] = {level: {} for level in _LEVELS}
    _fetch_leaves(need[0], have[0])
    for level in NODE_LEVELS:
        if need[level]:
            _fill_nodes(level, need[level], have)
    return {(start, end): _hash(start, end, have) for start, end in ranges}


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
    """PATH(index, D[tree_size]) for each of ``indexes``, keyed by index, computed together:
    proofs in one tree share most of their subtrees."""
    paths = {index: merkle.inclusion_ranges(index, tree_size) for index in set(indexes)}
    hashes = subtree_hashes(r for ranges in paths.values() for r in ranges)
    return {index: [hashes[r] for r in ranges] for index, ranges in paths.items()}


# Nodes computed per round, so a round holds about 16,000 hashes of the level below.
_FILL_STEP = {8: 64, 16: 64}


def node_cache_fill(tree_size: int) -> int:
    """Compute every cacheable node below ``tree_size`` not cached yet; returns how many."""
    before = LedgerNode.objects.count()
    for level in NODE_LEVELS:
        count = tree_size >> level
        step = _FILL_STEP[level]
        for start in range(0, count, step):
            have: dict[int, dict[int, bytes]] = {lv: {} for lv in _LEVELS}
            _fill_nodes(level, set(range(start, min(count, start + step))), have)
    return LedgerNode.objects.count() - before


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
