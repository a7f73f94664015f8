import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger import merkle
from ledger.models import LedgerEntry
from ledger.services import checkpoint_create, checkpoint_verify

pytestmark = pytest.mark.django_db

LATEST = "/api/v1/ledger/checkpoints/latest/"


def _hashes(nodes):
    return [bytes.fromhex(node) for node in nodes]


def test_every_entry_proves_its_inclusion_in_the_latest_signed_checkpoint(api, append_entries):
    append_entries(13)
    checkpoint = checkpoint_create()
    latest = api.get(LATEST).json()
    assert latest["tree_size"] == 13
    assert latest["root_hash"] == checkpoint.root_hash
    assert latest["body"] == checkpoint.body
    assert checkpoint_verify(checkpoint, public_key=bytes.fromhex(latest["public_key"]))
    for index in range(13):
        proof = api.get(f"/api/v1/ledger/entries/{index}/proof/").json()
        assert proof["tree_size"] == 13
        assert merkle.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            index,
            13,
            _hashes(proof["path"]),
            bytes.fromhex(latest["root_hash"]),
        )


def test_an_entry_proves_its_inclusion_in_an_older_checkpoint(api, append_entries):
    append_entries(6)
    old = checkpoint_create()
    append_entries(5)
    checkpoint_create()
    proof = api.get("/api/v1/ledger/entries/4/proof/", {"tree_size": 6}).json()
    assert proof["checkpoint"]["signature"] == old.signature
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        4,
        6,
        _hashes(proof["path"]),
        bytes.fromhex(old.root_hash),
    )


def test_two_checkpoints_are_proved_consistent(api, append_entries):
    append_entries(7)
    old = checkpoint_create()
    append_entries(10)
    new = checkpoint_create()
    body = api.get("/api/v1/ledger/consistency/", {"first": 7, "second": 17}).json()
    assert body["first_root"] == old.root_hash
    assert body["second_root"] == new.root_hash
    assert merkle.verify_consistency(
        7, 17, bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash), _hashes(body["proof"])
    )


def test_a_proof_for_an_entry_after_the_checkpoint_explains_why_not(api, append_entries):
    append_entries(3)
    checkpoint_create()
    append_entries(1)
    response = api.get("/api/v1/ledger/entries/3/proof/")
    assert response.status_code == 400
    assert "Entry #3 is not in the checkpoint of 3 entries" in response.json()["index"][0]


def test_a_proof_before_any_checkpoint_explains_why_not(api, append_entries):
    append_entries(2)
    response = api.get("/api/v1/ledger/entries/0/proof/")
    assert response.status_code == 400
    assert "No checkpoint has been signed yet" in response.json()["tree_size"][0]


def test_a_proof_against_a_size_no_checkpoint_has_is_refused(api, append_entries):
    append_entries(4)
    checkpoint_create()
    response = api.get("/api/v1/ledger/entries/0/proof/", {"tree_size": 2})
    assert response.status_code == 400
    assert "No checkpoint covers exactly 2 entries" in response.json()["tree_size"][0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"first": 5, "second": 2}, "non_field_errors"),
        ({"first": "five", "second": 2}, "first"),
        ({"second": 2}, "first"),
        ({"first": 0, "second": 2}, "first"),
        ({"first": 1, "second": 99}, "second"),
    ],
)
def test_a_consistency_request_with_bad_sizes_is_refused(api, append_entries, query, field):
    append_entries(3)
    response = api.get("/api/v1/ledger/consistency/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_the_latest_checkpoint_is_not_found_before_one_is_signed(api):
    response = api.get(LATEST)
    assert response.status_code == 404
    assert response.json()["detail"] == "No checkpoint has been signed yet."


def test_entries_of_one_record_are_listed_in_order(api, append_entries, inspector):
    append_entries(3)
    response = api.get(
        reverse("ledger:entry-list"), {"record_type": "auth.user", "record_id": inspector.pk}
    )
    assert response.status_code == 200
    assert [entry["index"] for entry in response.json()["results"]] == [0, 1, 2]
    other = api.get(reverse("ledger:entry-list"), {"record_type": "auth.user", "record_id": "0"})
    assert other.json()["count"] == 0


def test_listing_entries_needs_a_signed_in_user(append_entries):
    append_entries(1)
    response = APIClient().get(reverse("ledger:entry-list"))
    assert response.status_code in (401, 403)
    assert LedgerEntry.objects.count() == 1


def test_listing_entries_takes_the_same_few_queries_however_many_there_are(
    api, append_entries, django_assert_max_num_queries
):
    append_entries(30)
    # Whether the caller is a regulator (who sees which entries), the count, the page.
    with django_assert_max_num_queries(3):
        response = api.get(reverse("ledger:entry-list"))
    assert response.json()["count"] == 30


def test_a_proof_over_a_damaged_ledger_says_so_instead_of_lying(api, append_entries):
    append_entries(8)
    checkpoint_create()
    LedgerEntry.objects.filter(index=5).delete()
    response = api.get("/api/v1/ledger/entries/0/proof/")
    assert response.status_code == 500
    assert "The ledger is damaged" in response.json()["detail"]
