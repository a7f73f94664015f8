"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing with SHA-256.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); the tree over n leaves
splits at the largest power of two below n. Pure functions over bytes, no Django.

Proofs are built in two steps: ``inclusion_ranges`` / ``consistency_ranges`` name the
subtrees (half-open leaf ranges) whose hashes make up the proof, and the caller hashes each
range. The ranges are disjoint, so a proof over leaves kept in a database costs one pass
over at most ``tree_size`` leaf hashes and O(log n) memory (see ``ledger.selectors``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _push(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Append ``leaf`` to the compact range of a tree of ``size`` leaves, in place; returns
    the perfect subtrees it completes, as (level, index, hash): the subtree of 2^level
    leaves starting at leaf index·2^level."""
    frontier.append(leaf)
    completed = []
    carry, level = size, 0
    while carry & 1:
        right = frontier.pop()
        left = frontier.pop()
        frontier.append(node_hash(left, right))
        carry >>= 1
        level += 1
        completed.append((level, ((size + 1) >> level) - 1, frontier[-1]))
    return completed


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The compact range after appending ``leaf`` to a tree of ``size`` leaves.

    The frontier holds the roots of the perfect subtrees that make up the tree, largest
    first: one per set bit of ``size``. Appending merges equal-sized subtrees like a
    binary counter carrying, so each append costs O(log n) hashes.
    """
    frontier = list(frontier)
    _push(frontier, size, leaf)
    return frontier


def frontier_append_subtrees(
    frontier: list[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """``frontier_append``, and the perfect subtrees the new leaf completes."""
    frontier = list(frontier)
    completed = _push(frontier, size, leaf)
    return frontier, completed


def completed_subtrees(leaf_hashes: Iterable[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """Every perfect aligned subtree of a tree, as (level, index, hash), in the order the
    leaves complete them (by end, then level), streaming in O(log n) memory."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaf_hashes):
        yield from _push(frontier, size, leaf)


def frontier_root(frontier: list[bytes]) -> bytes:
    """The root hash of the tree whose compact range is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return root


class TreeBuilder:
    """Folds leaf hashes in order into a frontier; ``root`` is available at any size."""

    def __init__(self) -> None:
        self.size = 0
        self.frontier: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        _push(self.frontier, self.size, leaf)
        self.size += 1

    def root(self) -> bytes:
        return frontier_root(self.frontier)


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root over a power-of-two count of subtree hashes, all of one size."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def root_from_leaves(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with ``leaf_hash``), streaming."""
    tree = TreeBuilder()
    for leaf in leaf_hashes:
        tree.append(leaf)
    return tree.root()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes form PATH(index, D[tree_size]), leaf first.

    RFC 9162 §2.1.3.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, else
    PATH(m - k, D[k:n]) : MTH(D[0:k]).
    """
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is outside a tree of size {tree_size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes form PROOF(first, D[second]).

    RFC 9162 §2.1.4.1: SUBPROOF(m, D[m], true) = [], SUBPROOF(m, D[m], false) = [MTH(D[m])],
    and for m < n: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) when m <= k, else
    SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first == 0:
        return []
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return [
        root_from_leaves(leaf_hashes[a:b]) for a, b in inclusion_ranges(index, len(leaf_hashes))
    ]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return [
        root_from_leaves(leaf_hashes[a:b]) for a, b in consistency_ranges(first, len(leaf_hashes))
    ]


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index < 0 or index >= tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, step by step.

    The RFC describes 0 < size1 < size2. Like the transparency-dev verifier, equal sizes
    need an empty proof and equal roots, and the empty tree is consistent with any tree.
    """
    if size1 < 0 or size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0
