import json
from pathlib import Path

import pytest

from ledger import merkle

# RFC 6962 / RFC 9162 vectors (SHA-256): the leaf inputs and roots are the published
# transparency-dev/merkle test constants; the inclusion and consistency proofs among trees of
# sizes 0-8 were computed from the RFC and checked against those roots with the RFC's own
# verification algorithms. Kept in the repository so a fresh clone needs nothing beside it.
VECTORS = json.loads((Path(__file__).resolve().parent / "data" / "merkle-vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaf_inputs_hex"]]
ROOTS = [bytes.fromhex(root) for root in VECTORS["root_hashes_by_tree_size"]]


def _hex(nodes):
    return [node.hex() for node in nodes]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_root_of_every_published_tree_size_matches(size):
    assert merkle.root_from_leaves(LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion_proofs"], ids=lambda v: f"{v['leaf_index']}-in-{v['tree_size']}"
)
def test_inclusion_proofs_match_the_published_vectors_and_verify(vector):
    index, size = vector["leaf_index"], vector["tree_size"]
    path = merkle.inclusion_proof(index, LEAVES[:size])
    assert _hex(path) == vector["path"]
    published = [bytes.fromhex(node) for node in vector["path"]]
    assert merkle.verify_inclusion(LEAVES[index], index, size, published, ROOTS[size])


@pytest.mark.parametrize(
    "vector", VECTORS["consistency_proofs"], ids=lambda v: f"{v['size1']}-to-{v['size2']}"
)
def test_consistency_proofs_match_the_published_vectors_and_verify(vector):
    first, second = vector["size1"], vector["size2"]
    proof = merkle.consistency_proof(first, LEAVES[:second])
    assert _hex(proof) == vector["proof"]
    published = [bytes.fromhex(node) for node in vector["proof"]]
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], published)


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS["inclusion_proofs"] if v["path"]],
    ids=lambda v: f"{v['leaf_index']}-in-{v['tree_size']}",
)
def test_a_tampered_inclusion_proof_is_rejected(vector):
    index, size = vector["leaf_index"], vector["tree_size"]
    path = [bytes.fromhex(node) for node in vector["path"]]
    flipped = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
    assert not merkle.verify_inclusion(LEAVES[index], index, size, flipped, ROOTS[size])
    assert not merkle.verify_inclusion(LEAVES[index], index, size, path, ROOTS[size - 1])
    assert not merkle.verify_inclusion(LEAVES[index], index ^ 1, size, path, ROOTS[size])
    assert not merkle.verify_inclusion(LEAVES[index], index, size, path[:-1], ROOTS[size])
    assert not merkle.verify_inclusion(LEAVES[index], size, size, path, ROOTS[size])


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS["consistency_proofs"] if v["proof"]],
    ids=lambda v: f"{v['size1']}-to-{v['size2']}",
)
def test_a_tampered_consistency_proof_is_rejected(vector):
    first, second = vector["size1"], vector["size2"]
    proof = [bytes.fromhex(node) for node in vector["proof"]]
    flipped = [*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
    assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], flipped)
    assert not merkle.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second], proof)
    assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second - 1], proof)
    assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], [])
    assert not merkle.verify_consistency(second, first, ROOTS[second], ROOTS[first], proof)


def test_equal_sizes_are_consistent_only_with_an_empty_proof_and_the_same_root():
    assert merkle.verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    assert not merkle.verify_consistency(5, 5, ROOTS[5], ROOTS[4], [])
    assert not merkle.verify_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[5]])


def test_incremental_frontier_gives_the_same_root_as_the_whole_tree_up_to_70_leaves():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    frontier: list[bytes] = []
    assert merkle.frontier_root(frontier) == merkle.root_from_leaves([]) == merkle.EMPTY_ROOT
    for size, leaf in enumerate(leaves):
        frontier = merkle.frontier_append(frontier, size, leaf)
        assert merkle.frontier_root(frontier) == merkle.root_from_leaves(leaves[: size + 1])


def test_proofs_for_every_leaf_and_size_up_to_40_verify():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(40)]
    for size in range(1, 41):
        root = merkle.root_from_leaves(leaves[:size])
        for index in range(size):
            path = merkle.inclusion_proof(index, leaves[:size])
            assert merkle.verify_inclusion(leaves[index], index, size, path, root)
        for first in range(1, size + 1):
            proof = merkle.consistency_proof(first, leaves[:size])
            old_root = merkle.root_from_leaves(leaves[:first])
            assert merkle.verify_consistency(first, size, old_root, root, proof)


def test_an_index_outside_the_tree_has_no_inclusion_proof():
    with pytest.raises(ValueError, match="outside a tree of size 3"):
        merkle.inclusion_proof(3, LEAVES[:3])
