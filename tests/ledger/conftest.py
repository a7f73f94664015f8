import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from rest_framework.test import APIClient

from ledger import accounts
from ledger.services import ledger_append


@pytest.fixture(autouse=True)
def no_account_entries():
    """These tests count the ledger's entries one by one; the entries that account changes
    add are tested with the accounts (tests/projects/test_accounts_ledgered.py)."""
    accounts.disconnect()
    yield
    accounts.connect()


@pytest.fixture
def inspector(django_user_model):
    return django_user_model.objects.create_user(username="inspector", password="pw-inspector")


@pytest.fixture
def api(inspector):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(inspector)
    return client


@pytest.fixture
def append_entries(inspector):
    """Appends ``count`` entries, one transaction each, recording events on the inspector."""

    def append(count: int) -> None:
        for _ in range(count):
            with transaction.atomic():
                ledger_append(record=inspector, action="event", actor=inspector)

    return append


@pytest.fixture
def foreign_key_pem() -> str:
    """An Ed25519 key that is not the archive's."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
