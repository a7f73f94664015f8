"""RecordProofs: the newest entry of each of a set of records and its inclusion proof, all
against one checkpoint, read in a fixed number of queries."""

import pytest
from django.db import transaction

from ledger import merkle
from ledger.models import Checkpoint, LedgerEntry
from ledger.proofs import RecordProofs
from ledger.services import checkpoint_create, ledger_append

pytestmark = pytest.mark.django_db


def test_each_record_gets_its_newest_entry_proven_against_one_checkpoint(
    inspector, django_user_model, append_entries
):
    other = django_user_model.objects.create_user(username="other")
    unrecorded = django_user_model.objects.create_user(username="unrecorded")
    with transaction.atomic():
        ledger_append(record=other, action="create", actor=inspector)
    append_entries(2)  # two events on the inspector: the second is the newest

    proofs = RecordProofs()
    proofs.want([inspector, other, unrecorded, None])
    proofs.load()

    checkpoint = proofs.checkpoint_data()
    assert checkpoint["tree_size"] == LedgerEntry.objects.count()
    newest = LedgerEntry.objects.filter(record_id=str(inspector.pk)).order_by("index").last()
    mine = proofs.of(inspector)
    assert (mine["index"], mine["action"], mine["leaf_hash"]) == (
        newest.index,
        "event",
        newest.leaf_hash,
    )
    root = bytes.fromhex(checkpoint["root_hash"])
    for item in (mine, proofs.of(other)):
        path = [bytes.fromhex(h) for h in item["inclusion_proof"]]
        leaf = bytes.fromhex(item["leaf_hash"])
        assert merkle.verify_inclusion(leaf, item["index"], checkpoint["tree_size"], path, root)
    assert proofs.of(unrecorded) is None  # written without the ledger: no proof, no error
    assert proofs.of(None) is None


def test_a_covering_checkpoint_is_reused_and_the_reads_do_not_grow(
    inspector, django_user_model, django_assert_max_num_queries
):
    users = [django_user_model.objects.create_user(username=f"u{n}") for n in range(5)]
    for user in users:
        with transaction.atomic():
            ledger_append(record=user, action="create", actor=inspector)
    checkpoint_create()
    signed = Checkpoint.objects.count()

    # The entries in one query, the latest checkpoint, and the proofs in one batch: the
    # leaves, and the cached subtree hashes when the tree is big enough to have any.
    with django_assert_max_num_queries(4):
        proofs = RecordProofs()
        proofs.want(users)
        proofs.load()
    assert Checkpoint.objects.count() == signed
    assert all(proofs.of(u) is not None for u in users)
