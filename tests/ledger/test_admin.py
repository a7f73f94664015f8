import pytest
from django.test import Client

from ledger.models import LedgerEntry
from ledger.services import checkpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_operators_can_read_entries_and_checkpoints_in_the_admin(operator, append_entries):
    append_entries(2)
    checkpoint = checkpoint_create()
    entries = operator.get("/admin/ledger/ledgerentry/")
    assert entries.status_code == 200
    assert "auth.user" in entries.content.decode()
    page = operator.get(f"/admin/ledger/checkpoint/{checkpoint.pk}/change/")
    assert page.status_code == 200
    assert checkpoint.root_hash in page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/ledger/ledgerentry/add/",
        "/admin/ledger/checkpoint/add/",
        "/admin/ledger/ledgerentry/{pk}/delete/",
    ],
)
def test_nobody_can_add_or_delete_ledger_rows_in_the_admin(operator, append_entries, url):
    append_entries(1)
    entry = LedgerEntry.objects.get()
    assert operator.get(url.format(pk=entry.pk)).status_code == 403
    assert LedgerEntry.objects.count() == 1


def test_a_ledger_entry_cannot_be_changed_in_the_admin(operator, append_entries):
    append_entries(1)
    entry = LedgerEntry.objects.get()
    response = operator.post(
        f"/admin/ledger/ledgerentry/{entry.pk}/change/", {"content_hash": "0" * 64}
    )
    entry.refresh_from_db()
    assert response.status_code == 403
    assert entry.content_hash != "0" * 64
