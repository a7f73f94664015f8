"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing with SHA-256.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); the tree over n leaves
splits at the largest power of two below n. Pure functions over bytes, no Django.
"""

from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The compact range after appending ``leaf`` to a tree of ``size`` leaves.

    The frontier holds the roots of the perfect subtrees that make up the tree, largest
    first: one per set bit of ``size``. Appending merges equal-sized subtrees like a
    binary counter carrying, so each append costs O(log n) hashes.
    """
    frontier = list(frontier)
    frontier.append(leaf)
    carry = size
    while carry & 1:
        right = frontier.pop()
        left = frontier.pop()
        frontier.append(node_hash(left, right))
        carry >>= 1
    return frontier


def frontier_root(frontier: list[bytes]) -> bytes:
    """The root hash of the tree whose compact range is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return root
