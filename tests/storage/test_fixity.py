"""The fixity audit reads every stored object back from the real store and says which did
not come back as stored; an unreachable store stops the run without false alarms."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ledger.models import LedgerEntry
from ledger.verify import verify_archive
from storage import gateway
from storage.fixity import Interrupt, run_audit, run_start
from storage.models import FixityFinding, FixityRun
from storage.services import object_store
from tests.storage.samples import jpeg, named, pdf


@pytest.fixture
def stored(supervisor):
    """Two evidence files in the archive bucket and two derived copies."""
    made = [
        object_store(fileobj=named(pdf(f"report {i}"), f"r{i}.pdf"), user=supervisor, archival=True)
        for i in range(2)
    ]
    made += [
        object_store(
            fileobj=named(jpeg((40 + i, 30)), f"preview{i}.jpg"), user=supervisor, archival=False
        )
        for i in range(2)
    ]
    return made


def audit(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_fixity", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_intact_store_passes_and_the_run_is_in_the_ledger(stored):
    out, _err = audit()
    assert "4 objects checked" in out
    assert "4 intact, 0 problems" in out
    run = FixityRun.objects.get()
    assert run.state == FixityRun.State.FINISHED
    assert run.bytes_read == sum(obj.size for obj in stored)
    actions = LedgerEntry.objects.filter(record_type="storage.fixityrun").values_list(
        "action", flat=True
    )
    assert list(actions) == ["create", "state"]
    assert verify_archive() == []


def test_a_changed_and_a_missing_object_are_reported_and_the_command_fails(stored):
    changed, missing = stored[2], stored[3]
    data = jpeg((99, 99))
    gateway.put(
        changed.bucket,
        changed.key,
        data=io.BytesIO(data),
        length=len(data),
        content_type="image/jpeg",
    )
    gateway.remove(missing.bucket, missing.key)

    with pytest.raises(CommandError, match="2 stored object"):
        audit()

    findings = {f.stored_object_id: f for f in FixityFinding.objects.all()}
    assert findings[changed.pk].kind == FixityFinding.Kind.CHANGED
    assert findings[changed.pk].found_size == len(data)
    assert changed.sha256 in findings[changed.pk].detail
    assert findings[missing.pk].kind == FixityFinding.Kind.MISSING
    assert LedgerEntry.objects.filter(record_type="storage.fixityfinding").count() == 2
    run = FixityRun.objects.get()
    assert (run.checked, run.intact, run.problems) == (4, 2, 2)


def test_older_than_skips_what_a_recent_run_checked(stored, supervisor):
    audit()
    newer = object_store(fileobj=named(pdf("new"), "new.pdf"), user=supervisor, archival=True)
    out, _err = audit("--older-than", "30")
    assert "1 objects checked" in out
    assert FixityRun.objects.order_by("-pk").first().cursor == newer.pk


def test_a_limited_run_stops_early_and_resume_finishes_it(stored):
    with pytest.raises(SystemExit) as stopped:
        audit("--limit", "3")
    assert stopped.value.code == 2
    first = FixityRun.objects.get()
    assert (first.state, first.checked) == (FixityRun.State.INTERRUPTED, 3)

    out, _err = audit("--resume")
    assert "1 objects checked" in out
    second = FixityRun.objects.order_by("-pk").first()
    assert second.resumed_from == first
    assert second.state == FixityRun.State.FINISHED


def test_an_interrupt_saves_the_cursor_after_the_current_object(stored):
    interrupt = Interrupt()
    seen = []

    def progress(run, seconds):
        seen.append(run.cursor)
        interrupt.requested = True  # as the SIGINT handler does

    run = run_audit(run_start(), interrupt=interrupt, progress=progress)
    assert run.state == FixityRun.State.INTERRUPTED
    assert (run.checked, run.cursor) == (1, stored[0].pk)


@pytest.mark.slow
def test_an_unreachable_store_stops_the_run_without_false_findings(stored, s3_server):
    s3_server.stop()
    try:
        with pytest.raises(SystemExit):
            audit()
    finally:
        s3_server.start()
    run = FixityRun.objects.get()
    assert run.state == FixityRun.State.UNREACHABLE
    assert not FixityFinding.objects.exists()
    out, _err = audit("--resume")
    assert "4 objects checked" in out


def reconcile_out(*args) -> str:
    out = io.StringIO()
    call_command("reconcile_storage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_reconcile_reports_orphans_and_is_clean_when_every_record_has_its_object(stored):
    data = pdf("uploaded, then the transaction rolled back")
    gateway.put(
        stored[2].bucket,
        "orphans/left-behind.pdf",
        data=io.BytesIO(data),
        length=len(data),
        content_type="application/pdf",
    )
    out = reconcile_out()
    assert "0 records without their object" in out
    assert "orphan (no record): " in out
    assert "orphans/left-behind.pdf" in out
    # (The store is shared by the whole test session: other tests' files are orphans here.)


def test_reconcile_fails_loudly_for_a_record_whose_object_is_gone(stored):
    gone = stored[3]
    gateway.remove(gone.bucket, gone.key)
    with pytest.raises(CommandError, match="1 stored file"):
        reconcile_out()
