"""Deferred sequencing (LEDGER_SEQUENCING = "deferred") for real: writers commit and roll
back in their own threads and connections, the sequencer indexes what they committed, and
the ledger keeps its guarantees (no gaps, an entry for every committed record and none for
a rolled-back one, indexes that never change, proofs, verify_archive and its findings).

These tests commit (``transaction=True``): a deferred entry is only sequenced once its
writer's transaction has committed, which the other ledger tests' never does."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from ledger import merkle, selectors
from ledger.canonical import canonical_json
from ledger.models import LedgerEntry, LedgerHead
from ledger.proofs import RecordChecks, RecordProofs
from ledger.sequencer import pending_count, run, sequence_all, sequence_pending
from ledger.services import checkpoint_covering, checkpoint_create
from ledger.verify import Kind, verify_archive
from projects import services
from projects.models import Organization
from tests.conftest import credit_code

pytestmark = pytest.mark.django_db(transaction=True)

ORGANIZATION = "projects.organization"


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def deferred(settings):
    settings.LEDGER_SEQUENCING = "deferred"
    settings.LEDGER_SEQUENCER_INTERVAL_MS = 50


def _create(n: int, actor=None) -> Organization:
    return services.organization_create(
        name=f"杭州第{n}检测有限公司", credit_code=credit_code(f"91330108MA2{n:06d}"), actor=actor
    )


def _in_thread(target, *args) -> threading.Thread:
    def body():
        try:
            target(*args)
        finally:
            connection.close()  # each thread has its own connection; the flush needs them shut

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def _organization_entries() -> dict[str, list[int | None]]:
    entries: dict[str, list[int | None]] = {}
    for record_id, index in LedgerEntry.objects.filter(record_type=ORGANIZATION).values_list(
        "record_id", "index"
    ):
        entries.setdefault(record_id, []).append(index)
    return entries


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_concurrent_writers_with_rollbacks_get_every_committed_entry_once_in_order(admin):
    """Four writer threads create organizations (every third rolled back) while the sequencer
    loop runs beside them; afterwards the ledger is whole and proven."""
    committed: list[int] = []
    rolled_back: list[int] = []
    lock = threading.Lock()

    def writer(first: int) -> None:
        for n in range(first, first + 15):
            if n % 3 == 0:
                try:
                    with transaction.atomic():
                        organization = _create(n, admin)
                        with lock:
                            rolled_back.append(organization.pk)
                        raise RolledBack
                except RolledBack:
                    continue
            organization = _create(n, admin)
            with lock:
                committed.append(organization.pk)

    stop = threading.Event()
    sequencer = _in_thread(run, stop)
    writers = [_in_thread(writer, first) for first in (100, 200, 300, 400)]
    for thread in writers:
        thread.join(timeout=60)
    midway = dict(LedgerEntry.objects.filter(index__isnull=False).values_list("id", "index"))
    # The loop sequences what was committed within about a second, with no help.
    for _ in range(100):
        if pending_count() == 0:
            break
        stop.wait(0.05)
    stop.set()
    sequencer.join(timeout=10)
    assert pending_count() == 0

    assert len(committed) == 40
    assert len(rolled_back) == 20
    indexes = list(LedgerEntry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(len(indexes)))
    assert LedgerHead.objects.get().size == len(indexes)
    entries = _organization_entries()
    assert sorted(entries) == sorted(str(pk) for pk in committed)  # none for a rolled-back one
    assert all(len(indexes) == 1 for indexes in entries.values())
    # An index once given never changes.
    after = dict(LedgerEntry.objects.filter(id__in=midway).values_list("id", "index"))
    assert after == midway

    checkpoint = checkpoint_create()
    assert checkpoint.tree_size == len(indexes)
    root = bytes.fromhex(checkpoint.root_hash)
    for entry in LedgerEntry.objects.filter(record_type=ORGANIZATION):
        leaf = merkle.leaf_hash(canonical_json(entry.leaf_data()))
        assert leaf.hex() == entry.leaf_hash
        path = selectors.inclusion_proof(entry.index, checkpoint.tree_size)
        assert merkle.verify_inclusion(leaf, entry.index, checkpoint.tree_size, path, root)
    assert verify_archive() == []


def test_a_writer_does_not_wait_for_another_writers_open_transaction(admin):
    """The point of deferring: an open write holds no lock another writer needs; the entry
    it inserted is sequenced only once it commits, after entries committed before it."""
    inserted, release = threading.Event(), threading.Event()
    slow: list[Organization] = []

    def slow_writer() -> None:
        with transaction.atomic():
            slow.append(_create(1, admin))
            inserted.set()
            release.wait(timeout=30)

    thread = _in_thread(slow_writer)
    assert inserted.wait(timeout=10)
    try:
        fast = _create(2, admin)  # in inline mode this would wait for the head lock
        assert sequence_pending() == 1  # the open transaction's entry is not visible yet
    finally:
        release.set()
        thread.join(timeout=30)
    assert sequence_pending() == 1
    order = dict(
        LedgerEntry.objects.filter(record_type=ORGANIZATION).values_list("record_id", "index")
    )
    assert order == {str(fast.pk): 0, str(slow[0].pk): 1}
    assert verify_archive() == []


def test_inline_and_deferred_writes_mix_without_gaps(admin, settings):
    _create(1, admin)
    settings.LEDGER_SEQUENCING = "inline"
    inline = _create(2, admin)  # takes the next index at once, ahead of the waiting entry
    settings.LEDGER_SEQUENCING = "deferred"
    _create(3, admin)
    assert LedgerEntry.objects.get(record_id=str(inline.pk)).index == 0
    assert sequence_all() == 2
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == [0, 1, 2]
    assert verify_archive() == []


def test_what_readers_see_of_a_record_whose_entry_waits_for_the_sequencer(admin):
    organization = _create(1, admin)
    entry = LedgerEntry.objects.get(record_id=str(organization.pk))
    assert entry.index is None
    assert entry.leaf_hash == ""

    # The badge of a page: pending, as for an entry newer than the latest checkpoint.
    check = RecordChecks([organization]).of(organization)
    assert check.state == "pending"
    assert check.index is None

    # The entry list of the API: the entry, with no index yet.
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(admin)
    response = api.get("/api/v1/ledger/entries/", {"record_id": str(organization.pk)})
    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert listed["index"] is None
    assert listed["leaf_hash"] == ""

    # verify_archive: a fresh unsequenced entry is no finding; its record is still checked.
    assert verify_archive() == []
    Organization.objects.filter(pk=organization.pk).update(name="冒名顶替有限公司")
    [finding] = verify_archive()
    assert finding.kind == Kind.RECORD_CHANGED
    assert finding.tampering
    assert "not sequenced yet" in finding.message
    Organization.objects.filter(pk=organization.pk).update(name=organization.name)

    # A reader that needs proofs (the trace) sequences what waits, and proves it.
    proofs = RecordProofs()
    proofs.want([organization])
    proofs.load()
    item = proofs.of(organization)
    assert item is not None
    assert item["index"] == 0
    checkpoint = proofs.checkpoint
    assert checkpoint.tree_size == 1
    assert merkle.verify_inclusion(
        bytes.fromhex(item["leaf_hash"]),
        0,
        1,
        [bytes.fromhex(h) for h in item["inclusion_proof"]],
        bytes.fromhex(checkpoint.root_hash),
    )
    assert RecordChecks([organization]).of(organization).state == "verified"


def test_a_checkpoint_covers_every_entry_committed_before_it(admin):
    for n in range(5):
        _create(n, admin)
    assert pending_count() == 5
    checkpoint = checkpoint_covering()
    assert checkpoint.tree_size == 5
    assert pending_count() == 0
    call_command("ledger_sequence")  # nothing left: a no-op
    assert LedgerHead.objects.get().size == 5


def test_a_package_exported_while_entries_wait_proves_every_record(project, tmp_path):
    """The export sequences what waits before it signs the checkpoint it proves against."""
    waiting = list(LedgerEntry.objects.filter(index__isnull=True).values_list("id", flat=True))
    assert waiting
    path = tmp_path / "package.zip"
    call_command("export_archive", str(project.pk), "-o", str(path), stderr=io.StringIO())
    # Every entry written before the export is sequenced (the export's own audit entry,
    # written after it, may still wait).
    assert not LedgerEntry.objects.filter(id__in=waiting, index__isnull=True).exists()
    out = io.StringIO()
    call_command("verify_package", str(path), stdout=out)  # CommandError unless intact
    assert "ledger entries proven against the checkpoint" in out.getvalue()


def test_a_stalled_sequencer_is_reported_not_as_tampering(admin, settings, capsys):
    _create(1, admin)
    _sql(
        "UPDATE ledger_ledgerentry SET recorded_at = recorded_at - interval '1 hour'"
        " WHERE index IS NULL"
    )
    settings.LEDGER_SEQUENCER_STALL_SECONDS = 300
    [finding] = verify_archive()
    assert finding.kind == Kind.SEQUENCER_STALLED
    assert not finding.tampering
    assert finding.message.startswith("1 ledger entry written since ")
    assert "still waits for its index" in finding.message
    with pytest.raises(SystemExit) as exited:
        call_command("verify_archive")
    assert exited.value.code == 2
    assert "No tampering found" in capsys.readouterr().out

    call_command("ledger_sequence")
    assert "1 entries sequenced" in capsys.readouterr().out
    assert verify_archive() == []


@pytest.fixture
def sequenced_ledger(admin):
    """Ten organizations written deferred, sequenced and checkpointed."""
    organizations = [_create(n, admin) for n in range(10)]
    checkpoint_create()
    return organizations


def test_tampering_with_sequenced_entries_is_found(sequenced_ledger):
    assert verify_archive() == []
    _sql("UPDATE ledger_ledgerentry SET actor = 'mallory' WHERE index = 3")
    findings = verify_archive()
    # The stored leaf hashes are intact (the tree still matches the checkpoint); the entry
    # no longer hashes to its own leaf.
    assert {f.kind for f in findings} == {Kind.ENTRY_CHANGED}
    assert any("#3" in f.message for f in findings if f.kind == Kind.ENTRY_CHANGED)


def test_a_deleted_sequenced_entry_is_found(sequenced_ledger):
    _sql("DELETE FROM ledger_ledgerentry WHERE index = 4")
    kinds = {f.kind for f in verify_archive()}
    assert Kind.ENTRY_MISSING in kinds
    assert Kind.CHECKPOINT_MISMATCH in kinds


def test_reordered_sequenced_entries_are_found(sequenced_ledger):
    _sql("UPDATE ledger_ledgerentry SET index = -1 WHERE index = 2")
    _sql("UPDATE ledger_ledgerentry SET index = 2 WHERE index = 5")
    _sql("UPDATE ledger_ledgerentry SET index = 5 WHERE index = -1")
    findings = verify_archive()
    assert Kind.ENTRY_REORDERED in {f.kind for f in findings}
    assert any("#2" in f.message and "#5" in f.message for f in findings)


def test_an_entry_unsequenced_by_hand_leaves_a_gap(sequenced_ledger):
    """Setting a sequenced entry's index back to NULL (to have it re-sequenced elsewhere)
    is a deletion from the tree: reported as such."""
    _sql("UPDATE ledger_ledgerentry SET index = NULL, leaf_hash = '' WHERE index = 7")
    kinds = {f.kind for f in verify_archive()}
    assert Kind.ENTRY_MISSING in kinds
    assert Kind.CHECKPOINT_MISMATCH in kinds


def test_the_sequencer_loop_survives_a_failing_batch(admin, caplog):
    """A batch that fails (here: its database connection killed while it waits for the
    head) is logged and retried on a fresh connection; the entries wait, nothing is lost."""
    _create(1, admin)
    stop = threading.Event()
    holder_ready, release = threading.Event(), threading.Event()

    def hold_head_lock() -> None:
        with transaction.atomic():
            LedgerHead.objects.select_for_update().get_or_create(pk=1)
            holder_ready.set()
            release.wait(timeout=10)

    holder = _in_thread(hold_head_lock)
    assert holder_ready.wait(timeout=10)
    sequencer = _in_thread(run, stop)
    try:
        waiting = []
        for _ in range(100):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
                waiting = [pid for (pid,) in cursor.fetchall()]
            if waiting:
                break
            stop.wait(0.05)
        assert len(waiting) == 1, "the sequencer should be waiting for the head lock"
        _sql("SELECT pg_terminate_backend(%s)", [waiting[0]])
        stop.wait(0.2)
        assert pending_count() == 1
    finally:
        release.set()
        holder.join(timeout=10)
    for _ in range(100):
        if pending_count() == 0:
            break
        stop.wait(0.05)
    stop.set()
    sequencer.join(timeout=10)
    assert pending_count() == 0
    assert "ledger sequencer: batch failed" in caplog.text
    assert verify_archive() == []
