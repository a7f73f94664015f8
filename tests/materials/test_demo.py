from io import StringIO

from django.core.management import call_command

from ledger.models import LedgerEntry
from materials.models import BatchFile, DefectNotice, Delivery, Usage
from materials.selectors import notice_hits


def load() -> str:
    out = StringIO()
    call_command("load_demo_materials", stdout=out)
    return out.getvalue()


def test_the_demo_materials_load_once_with_a_failed_sample_and_a_recall(db):
    call_command("load_demo", stdout=StringIO())
    assert "Added the demo materials" in load()
    counts = (Delivery.objects.count(), Usage.objects.count(), LedgerEntry.objects.count())
    assert "already exist" in load()
    assert (Delivery.objects.count(), Usage.objects.count(), LedgerEntry.objects.count()) == counts
    assert Delivery.objects.filter(state="rejected").count() == 1
    assert Delivery.objects.filter(state="accepted").count() == 3
    corrected = BatchFile.objects.filter(batch__batch_number="YD2508-0117").order_by("version")
    assert [(f.version, bool(f.reason)) for f in corrected] == [(1, False), (2, True)]
    notice = DefectNotice.objects.get()
    assert notice.actions.filter(closed_at__isnull=True).count() == 1
    from django.contrib.auth import get_user_model

    regulator = get_user_model().objects.get(username="regulator")
    rows = notice_hits(notice=notice, user=regulator)
    assert {row["location"] for row in rows} == {"1层", "2层", "18层"}


def test_without_the_demo_project_nothing_is_added(db):
    assert "no demo project" in load()
    assert not Delivery.objects.exists()
