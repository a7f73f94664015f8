import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

from ledger import merkle, signing
from ledger.canonical import canonical_json
from ledger.models import Checkpoint, LedgerEntry
from ledger.services import checkpoint_create, ledger_append
from ledger.verify import Kind, verify_archive

pytestmark = pytest.mark.django_db


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _kinds(findings):
    return [finding.kind for finding in findings]


def test_an_untouched_archive_has_no_findings(append_entries):
    append_entries(20)
    checkpoint_create()
    append_entries(5)
    checkpoint_create()
    assert verify_archive() == []


def test_an_entry_changed_in_the_database_is_reported(append_entries):
    append_entries(10)
    checkpoint_create()
    _sql('UPDATE ledger_ledgerentry SET content_hash = %s WHERE "index" = 4', "0" * 64)
    findings = verify_archive()
    assert _kinds(findings) == [Kind.ENTRY_CHANGED]
    assert findings[0].message == (
        "Ledger entry #4 was changed after it was written (its leaf hash no longer matches)."
    )


def test_an_entry_changed_together_with_its_leaf_hash_breaks_the_signed_checkpoint(
    append_entries,
):
    append_entries(10)
    checkpoint_create()
    entry = LedgerEntry.objects.get(index=6)
    entry.content_hash = "0" * 64
    forged = merkle.leaf_hash(canonical_json(entry.leaf_data())).hex()
    _sql(
        'UPDATE ledger_ledgerentry SET content_hash = %s, leaf_hash = %s WHERE "index" = 6',
        "0" * 64,
        forged,
    )
    assert Kind.CHECKPOINT_MISMATCH in _kinds(verify_archive())


def test_a_deleted_entry_is_reported_as_a_gap(append_entries):
    append_entries(10)
    checkpoint_create()
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" IN (3, 4)')
    findings = verify_archive()
    messages = [str(finding) for finding in findings]
    assert "Ledger entries #3 to #4 are missing: they were deleted." in messages
    assert Kind.CHECKPOINT_MISMATCH in _kinds(findings)


def test_the_last_entries_deleted_are_reported_against_the_checkpoint(append_entries):
    append_entries(5)
    checkpoint_create()
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" >= 3')
    messages = [str(finding) for finding in verify_archive()]
    assert "Ledger entries #3 to #4 are missing: they were deleted." in messages
    assert any(
        message.startswith("The checkpoint of 5 entries signed at ")
        and message.endswith("covers more entries than the ledger holds (3): entries were deleted.")
        for message in messages
    )


def test_two_swapped_entries_are_reported_as_reordered(append_entries):
    append_entries(10)
    checkpoint_create()
    _sql('UPDATE ledger_ledgerentry SET "index" = -1 WHERE "index" = 2')
    _sql('UPDATE ledger_ledgerentry SET "index" = 2 WHERE "index" = 7')
    _sql('UPDATE ledger_ledgerentry SET "index" = 7 WHERE "index" = -1')
    findings = verify_archive()
    reordered = [f.message for f in findings if f.kind == Kind.ENTRY_REORDERED]
    assert reordered == [
        "Ledger entries #2 and #7 were reordered: each now sits where the other was written."
    ]
    assert Kind.ENTRY_CHANGED not in _kinds(findings)


def test_a_checkpoint_signed_with_another_key_is_reported(append_entries, foreign_key_pem):
    append_entries(3)
    with override_settings(LEDGER_SIGNING_KEY=foreign_key_pem):
        checkpoint_create()
    findings = verify_archive()
    assert _kinds(findings) == [Kind.CHECKPOINT_FOREIGN_KEY]
    assert "was signed by another key" in findings[0].message


def test_a_checkpoint_with_an_altered_signature_is_reported(append_entries):
    append_entries(3)
    checkpoint = checkpoint_create()
    _sql(
        "UPDATE ledger_checkpoint SET signed_at = signed_at - interval '1 day' WHERE id = %s",
        checkpoint.pk,
    )
    findings = verify_archive()
    assert _kinds(findings) == [Kind.CHECKPOINT_SIGNATURE]
    assert "has a signature that does not verify" in findings[0].message


def test_a_head_that_disagrees_with_the_entries_is_reported(append_entries):
    append_entries(3)
    _sql("UPDATE ledger_ledgerhead SET size = 2")
    findings = verify_archive()
    assert Kind.HEAD_MISMATCH in _kinds(findings)
    assert "The ledger head counts 2 entries but 3 are stored." in map(str, findings)


def test_the_command_reports_a_clean_archive_and_exits_normally(append_entries, capsys):
    append_entries(3)
    call_command("verify_archive")
    captured = capsys.readouterr()
    assert "The archive is intact" in captured.out
    assert "Checked 3 of 3 entries and records" in captured.err


def test_the_command_prints_each_finding_and_exits_with_status_1(append_entries, capsys):
    append_entries(6)
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" = 1')
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_archive")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "Ledger entry #1 is missing: it was deleted." in out
    assert "Found 1 sign of tampering" in out


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_writers_get_consecutive_indexes_with_no_gaps():
    users = [get_user_model().objects.create_user(username=f"writer{n}") for n in range(4)]
    errors: list[BaseException] = []

    def write(user):
        try:
            for _ in range(100):
                with transaction.atomic():
                    ledger_append(record=user, action="event", actor=user)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    indexes = list(LedgerEntry.objects.values_list("index", flat=True))
    assert indexes == list(range(400))
    for user in users:
        assert LedgerEntry.objects.filter(actor=user.username).count() == 100
    checkpoint_create()
    assert verify_archive() == []


@pytest.mark.django_db(transaction=True)
def test_an_append_outside_a_transaction_is_refused(inspector):
    with pytest.raises(RuntimeError, match="inside the writing service's transaction"):
        ledger_append(record=inspector, action="event", actor=inspector)
    assert not LedgerEntry.objects.exists()


def test_a_rolled_back_write_leaves_no_entry_and_no_gap(inspector, append_entries):
    append_entries(1)

    def failing_service():
        with transaction.atomic():
            ledger_append(record=inspector, action="event", actor=inspector)
            raise ValueError("the service fails after appending")

    with pytest.raises(ValueError, match="fails after appending"):
        failing_service()
    append_entries(1)
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == [0, 1]
    assert verify_archive() == []


def test_findings_read_in_chinese_for_chinese_readers(append_entries):
    append_entries(3)
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" = 1')
    with translation.override("zh-hans"):
        messages = [str(finding) for finding in verify_archive()]
    assert messages == ["账本条目 #1 缺失：已被删除。"]


def test_a_later_checkpoint_that_rewrites_history_is_reported(append_entries):
    append_entries(5)
    checkpoint_create()
    append_entries(3)
    honest = checkpoint_create()
    # Someone holding the key signs a different tree of 5 entries after the fact.
    forged = Checkpoint(
        origin=honest.origin,
        tree_size=5,
        root_hash="ab" * 32,
        signed_at=honest.signed_at + datetime.timedelta(minutes=5),
        key_id=honest.key_id,
        public_key=honest.public_key,
    )
    forged.signature = signing.sign(forged.body.encode()).hex()
    forged.save()
    kinds = _kinds(verify_archive())
    assert Kind.CHECKPOINT_INCONSISTENT in kinds
    assert Kind.CHECKPOINT_MISMATCH in kinds
    assert Kind.CHECKPOINT_SIGNATURE not in kinds
