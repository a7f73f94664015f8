"""The per-process cache of inclusion proofs (``ledger.proofs.proof_cache``): a second read
against the same checkpoint takes its proofs from memory, and nothing it holds is ever
served for a record changed since or against another checkpoint."""

import pytest
from django.db import transaction

from ledger import merkle
from ledger.proofs import RecordProofs, proof_cache
from ledger.services import checkpoint_create, ledger_append

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    proof_cache.clear()
    yield
    proof_cache.clear()


def _proven(records) -> tuple[RecordProofs, dict]:
    proofs = RecordProofs()
    proofs.want(records)
    proofs.load()
    return proofs, proofs.checkpoint_data()


def _verifies(item: dict, checkpoint: dict) -> bool:
    return merkle.verify_inclusion(
        bytes.fromhex(item["leaf_hash"]),
        item["index"],
        checkpoint["tree_size"],
        [bytes.fromhex(h) for h in item["inclusion_proof"]],
        bytes.fromhex(checkpoint["root_hash"]),
    )


def _append(record, action, actor):
    with transaction.atomic():
        ledger_append(record=record, action=action, actor=actor)


def test_a_second_read_against_the_same_checkpoint_skips_the_proof_queries(
    inspector, django_user_model, django_assert_num_queries
):
    users = [django_user_model.objects.create_user(username=f"u{n}") for n in range(20)]
    for user in users:
        _append(user, "create", inspector)
    checkpoint_create()
    first, checkpoint = _proven(users)  # computes the proofs: leaves and subtree hashes

    again = RecordProofs()
    again.want(users)
    # The entries and the latest checkpoint, nothing else: no leaf, no subtree hash.
    with django_assert_num_queries(2):
        again.load()
    same = again.checkpoint_data()
    assert same == checkpoint
    for user in users:
        assert again.of(user) == first.of(user)
        assert _verifies(again.of(user), same)


def test_a_changed_record_and_a_new_checkpoint_get_fresh_proofs(inspector, django_user_model):
    changed, unchanged = (django_user_model.objects.create_user(username=n) for n in "ab")
    _append(changed, "create", inspector)
    _append(unchanged, "create", inspector)
    checkpoint_create()
    before, old = _proven([changed, unchanged])

    _append(changed, "update", inspector)  # a new entry: the read signs a new checkpoint
    after, new = _proven([changed, unchanged])

    assert new["tree_size"] == old["tree_size"] + 1
    assert new["root_hash"] != old["root_hash"]
    assert after.of(changed)["index"] == old["tree_size"]  # the entry appended since
    assert after.of(changed)["action"] == "update"
    # The unchanged record keeps its entry, but its proof is the path in the bigger tree,
    # not the one cached for the old checkpoint (that one fails against the new root).
    assert after.of(unchanged)["index"] == before.of(unchanged)["index"]
    assert after.of(unchanged)["inclusion_proof"] != before.of(unchanged)["inclusion_proof"]
    assert not _verifies(before.of(unchanged), new)
    for item in (after.of(changed), after.of(unchanged)):
        assert _verifies(item, new)
    # Proofs against the old checkpoint stay what they were: they still verify against it.
    for item in (before.of(changed), before.of(unchanged)):
        assert _verifies(item, old)


def test_the_cache_keeps_at_most_its_size(inspector, django_user_model):
    users = [django_user_model.objects.create_user(username=f"u{n}") for n in range(12)]
    for user in users:
        _append(user, "create", inspector)
    checkpoint_create()
    size = proof_cache.size
    proof_cache.size = 5
    try:
        proofs, checkpoint = _proven(users)
        assert len(proof_cache._proofs) == 5
        for user in users:
            assert _verifies(proofs.of(user), checkpoint)
    finally:
        proof_cache.size = size
