"""Evidence in the archive bucket: COMPLIANCE retention, versions, legal hold."""

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectProtected
from storage.selectors import object_read_bytes
from storage.services import (
    default_retention_until,
    object_legal_hold_set,
    object_retention_extend,
    object_store,
)
from tests.storage import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(supervisor, django_capture_on_commit_callbacks):
    """A site photo archived as evidence (committed: its retention is set, its hold lifted)."""
    with django_capture_on_commit_callbacks(execute=True):
        return object_store(
            fileobj=samples.named(samples.jpeg(), "rebar.jpg"), user=supervisor, archival=True
        )


def entries_for(obj) -> list[str]:
    return list(
        LedgerEntry.objects.filter(
            record_type="storage.storedobject", record_id=str(obj.pk)
        ).values_list("action", flat=True)
    )


def test_archived_evidence_is_retained_for_the_default_number_of_years(evidence):
    years = (evidence.retention_until - evidence.stored_at).days / 365.25
    assert 49.9 < years < 50.1
    stored = gateway.stat(evidence.bucket, evidence.key, version_id=evidence.version_id)
    assert stored.retention_until == evidence.retention_until


def test_a_caller_can_choose_the_retention_date(supervisor, django_capture_on_commit_callbacks):
    until = datetime(2099, 5, 1, 8, 30, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        obj = object_store(
            fileobj=samples.named(samples.pdf(), "plaque.pdf"),
            user=supervisor,
            archival=True,
            retention_until=until,
        )
    assert obj.retention_until == until
    assert gateway.stat(obj.bucket, obj.key, version_id=obj.version_id).retention_until == until


def test_a_retention_date_in_the_past_is_refused(supervisor):
    with pytest.raises(ValidationError, match="must be in the future"):
        object_store(
            fileobj=samples.named(samples.pdf(), "a.pdf"),
            user=supervisor,
            archival=True,
            retention_until=timezone.now() - timedelta(days=1),
        )


def test_the_default_retention_survives_a_leap_day():
    with override_settings(ARCHIVE_DEFAULT_RETENTION_YEARS=1):
        until = default_retention_until(datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert until == datetime(2029, 2, 28, 12, tzinfo=UTC)


def test_an_archived_version_under_compliance_retention_cannot_be_deleted(evidence):
    with pytest.raises(ObjectProtected):
        gateway.remove(evidence.bucket, evidence.key, version_id=evidence.version_id)
    assert object_read_bytes(obj=evidence)


def test_overwriting_an_archived_key_leaves_the_original_version_intact(evidence):
    other = samples.jpeg()
    overwrite = gateway.put(
        evidence.bucket,
        evidence.key,
        data=io.BytesIO(other),
        length=len(other),
        content_type="image/jpeg",
    )
    assert overwrite.version_id != evidence.version_id
    with gateway.get(evidence.bucket, evidence.key, version_id=evidence.version_id) as stream:
        original = b"".join(stream)
    assert hashlib.sha256(original).hexdigest() == evidence.sha256
    assert hashlib.sha256(object_read_bytes(obj=evidence)).hexdigest() == evidence.sha256


def test_a_legal_hold_is_placed_and_lifted_with_ledger_entries(evidence, supervisor):
    held = object_legal_hold_set(obj=evidence, on=True, actor=supervisor)
    assert held.legal_hold
    assert held.is_protected
    assert gateway.stat(evidence.bucket, evidence.key, version_id=evidence.version_id).legal_hold

    lifted = object_legal_hold_set(obj=evidence, on=False, actor=supervisor)
    assert not lifted.legal_hold
    assert not gateway.stat(
        evidence.bucket, evidence.key, version_id=evidence.version_id
    ).legal_hold
    assert entries_for(evidence) == ["create", "update", "update"]


def test_retention_can_be_extended(evidence, supervisor):
    later = evidence.retention_until + timedelta(days=365)
    extended = object_retention_extend(obj=evidence, until=later, actor=supervisor)
    assert extended.retention_until == later
    stored = gateway.stat(evidence.bucket, evidence.key, version_id=evidence.version_id)
    assert stored.retention_until == later
    assert entries_for(evidence) == ["create", "update"]


def test_retention_cannot_be_shortened(evidence, supervisor):
    earlier = evidence.retention_until - timedelta(days=1)
    with pytest.raises(ValidationError, match="can only be extended"):
        object_retention_extend(obj=evidence, until=earlier, actor=supervisor)
    evidence.refresh_from_db()
    assert evidence.retention_until > earlier
    assert entries_for(evidence) == ["create"]


def test_the_object_store_itself_refuses_to_shorten_retention(evidence):
    with pytest.raises(ObjectProtected):
        gateway.set_retention(
            evidence.bucket,
            evidence.key,
            version_id=evidence.version_id,
            until=evidence.retention_until - timedelta(days=1),
        )


def test_a_derived_copy_cannot_be_put_on_legal_hold(supervisor):
    thumb = object_store(
        fileobj=samples.named(samples.png(), "thumb.png"), user=None, archival=False
    )
    with pytest.raises(ValidationError, match="Only archived evidence"):
        object_legal_hold_set(obj=thumb, on=True, actor=supervisor)
    assert entries_for(thumb) == ["create"]
