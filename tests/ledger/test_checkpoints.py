import base64

import pytest
from django.core.management import call_command
from django.test import override_settings

from ledger import merkle, signing
from ledger.models import Checkpoint, LedgerEntry
from ledger.services import checkpoint_create, checkpoint_verify

pytestmark = pytest.mark.django_db


def test_a_checkpoint_signs_the_size_and_root_of_the_ledger(append_entries):
    append_entries(5)
    checkpoint = checkpoint_create()
    leaves = [bytes.fromhex(h) for h in LedgerEntry.objects.values_list("leaf_hash", flat=True)]
    assert checkpoint.tree_size == 5
    assert checkpoint.root_hash == merkle.root_from_leaves(leaves).hex()
    assert checkpoint.public_key == signing.public_key_bytes().hex()
    assert checkpoint_verify(checkpoint)


def test_the_signed_body_is_a_tlog_checkpoint_note(append_entries, settings):
    append_entries(1)
    checkpoint = checkpoint_create()
    origin, size, root, signed_at, end = checkpoint.body.split("\n")
    assert origin == settings.LEDGER_LOG_ID
    assert size == "1"
    assert base64.b64decode(root).hex() == checkpoint.root_hash
    assert signed_at.endswith("Z")
    assert end == ""
    assert checkpoint.note.startswith(checkpoint.body + "\n\u2014 " + settings.LEDGER_LOG_ID)


def test_nothing_new_since_the_last_checkpoint_gives_the_same_checkpoint(append_entries):
    append_entries(2)
    first = checkpoint_create()
    assert checkpoint_create() == first
    append_entries(1)
    assert checkpoint_create().tree_size == 3
    assert Checkpoint.objects.count() == 2


def test_an_altered_checkpoint_no_longer_verifies(append_entries):
    append_entries(3)
    checkpoint = checkpoint_create()
    checkpoint.tree_size = 2
    assert not checkpoint_verify(checkpoint)


def test_a_checkpoint_signed_with_another_key_verifies_only_with_that_key(
    append_entries, foreign_key_pem
):
    append_entries(1)
    with override_settings(LEDGER_SIGNING_KEY=foreign_key_pem):
        checkpoint = checkpoint_create()
        foreign_public_key = signing.public_key_bytes()
    assert not checkpoint_verify(checkpoint)
    assert checkpoint_verify(checkpoint, public_key=foreign_public_key)


def test_the_checkpoint_command_prints_the_size_and_root(append_entries, capsys):
    append_entries(4)
    call_command("ledger_checkpoint")
    out = capsys.readouterr().out
    checkpoint = Checkpoint.objects.get()
    assert "Checkpoint of 4 entries" in out
    assert checkpoint.root_hash in out


def test_a_checkpoint_whose_root_is_no_longer_hex_does_not_verify(append_entries):
    append_entries(1)
    checkpoint = checkpoint_create()
    checkpoint.root_hash = "not a hash"
    assert not checkpoint_verify(checkpoint)


def test_after_a_key_rotation_the_old_keys_checkpoints_stay_trusted(
    append_entries, foreign_key_pem
):
    from ledger.verify import Kind, verify_archive

    append_entries(2)
    old = checkpoint_create()
    old_public = signing.public_key_bytes().hex()
    with override_settings(LEDGER_SIGNING_KEY=foreign_key_pem):  # the new key
        append_entries(1)
        checkpoint_create()
        # Without saying the old key was ours, its checkpoints look foreign.
        assert [f.kind for f in verify_archive()] == [Kind.CHECKPOINT_FOREIGN_KEY]
        with override_settings(LEDGER_RETIRED_PUBLIC_KEYS=[old_public]):
            assert checkpoint_verify(old)
            assert verify_archive() == []
        retired_before_it_signed = f"{old_public}@2000-01-01T00:00:00Z"
        with override_settings(LEDGER_RETIRED_PUBLIC_KEYS=[retired_before_it_signed]):
            assert not checkpoint_verify(old)
            [finding] = verify_archive()
            assert finding.kind == Kind.CHECKPOINT_FOREIGN_KEY
            assert "after it was retired" in finding.message


def test_a_malformed_retired_key_is_a_configuration_error(append_entries):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    append_entries(1)
    checkpoint = checkpoint_create()
    with (
        override_settings(LEDGER_RETIRED_PUBLIC_KEYS=["not-hex"]),
        pytest.raises(ImproperlyConfigured, match="LEDGER_RETIRED_PUBLIC_KEYS"),
    ):
        checkpoint_verify(checkpoint)
