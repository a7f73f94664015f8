"""Proofs in a big ledger come from cached subtree hashes, and stay exactly RFC 9162's."""

import datetime

import pytest
from django.db import transaction

from ledger import merkle, selectors
from ledger.models import LedgerEntry, LedgerNode
from ledger.services import checkpoint_create
from ledger.verify import Kind, verify_archive

SIZE = 70_000  # past 2^16: many levels of the cache, and a ragged right edge


@pytest.fixture
def raw_leaves(db):
    """SIZE stored entries with made-up leaf hashes, bulk-loaded without their subtree
    hashes (as a ledger from before the cache): enough for proofs, not for verify."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(SIZE)]
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    LedgerEntry.objects.bulk_create(
        (
            LedgerEntry(
                index=i,
                record_type="test.raw",
                record_id=str(i),
                action="event",
                content_hash="0" * 64,
                recorded_at=moment,
                leaf_hash=leaf.hex(),
            )
            for i, leaf in enumerate(leaves)
        ),
        batch_size=10_000,
    )
    return leaves


def test_proofs_from_the_cache_equal_proofs_from_all_the_leaves(
    raw_leaves, django_assert_num_queries
):
    indexes = [0, 1, 255, 256, 40_000, 65_535, 65_536, 69_999]
    for size in (SIZE, 65_536, 66_001, 300):
        wanted = [i for i in indexes if i < size]
        proofs = selectors.inclusion_proofs(wanted, size)
        root = merkle.root_from_leaves(raw_leaves[:size])
        for index in wanted:
            assert proofs[index] == merkle.inclusion_proof(index, raw_leaves[:size])
            assert merkle.verify_inclusion(raw_leaves[index], index, size, proofs[index], root)
        assert selectors.tree_root(size) == root
    assert selectors.consistency_proof(300, SIZE) == merkle.consistency_proof(300, raw_leaves)
    assert LedgerNode.objects.filter(level=16).exists()
    # Warm: a batch of proofs is two queries (leaves, nodes), however many and however big.
    with django_assert_num_queries(2):
        selectors.inclusion_proofs(range(0, SIZE, 997), SIZE)


def test_filling_the_cache_covers_every_complete_subtree_of_eight_leaves_or_more(raw_leaves):
    expected = sum(SIZE >> level for level in range(3, SIZE.bit_length()))
    assert selectors.node_cache_fill(SIZE) == expected
    assert selectors.node_cache_fill(SIZE) == 0


def test_appends_write_the_subtrees_they_complete(inspector):
    from ledger.services import ledger_append

    for _ in range(40):
        with transaction.atomic():
            ledger_append(record=inspector, action="event", actor=inspector)
    stored = set(LedgerNode.objects.values_list("level", "index"))
    assert stored == {(3, 0), (3, 1), (3, 2), (3, 3), (3, 4), (4, 0), (4, 1), (5, 0)}
    assert selectors.node_cache_fill(40) == 0  # nothing left to backfill


def test_a_changed_cache_row_is_reported_and_its_proofs_fail(inspector):
    from ledger.services import ledger_append

    for _ in range(300):
        with transaction.atomic():
            ledger_append(record=inspector, action="event", actor=inspector)
    checkpoint = checkpoint_create()
    assert verify_archive() == []

    LedgerNode.objects.filter(level=8, index=0).update(hash="ab" * 32)
    findings = verify_archive()
    assert [f.kind for f in findings] == [Kind.NODE_CHANGED]
    assert "entries #0 to #255" in findings[0].message

    leaf = bytes.fromhex(LedgerEntry.objects.get(index=299).leaf_hash)
    proof = selectors.inclusion_proof(299, checkpoint.tree_size)
    root = bytes.fromhex(checkpoint.root_hash)
    assert not merkle.verify_inclusion(leaf, 299, checkpoint.tree_size, proof, root)
