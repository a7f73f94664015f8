"""Writes to stored objects: the object store first, then the row and its ledger entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import LedgerEntry
from ledger.services import ledger_append
from storage import gateway
from storage.models import StoredObject
from storage.validation import upload_check


def object_key(sha256: str) -> str:
    """Where the bytes with this SHA-256 live in a bucket: the same bytes, the same key."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def default_retention_until(now: datetime | None = None) -> datetime:
    """Now plus ARCHIVE_DEFAULT_RETENTION_YEARS, to the second (29 February → 28th)."""
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    years = settings.ARCHIVE_DEFAULT_RETENTION_YEARS
    try:
        return now.replace(year=now.year + years)
    except ValueError:
        return now.replace(year=now.year + years, day=28)


def object_store(
    *,
    fileobj: BinaryIO,
    user: AbstractBaseUser | None,
    archival: bool,
    original_name: str = "",
    content_type: str | None = None,
    declared_sha256: str | None = None,
    retention_until: datetime | None = None,
    allowed_types: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> StoredObject:
    """Validate a file, put it in the object store under its SHA-256, then record it.

    ``fileobj`` must be seekable (Django's uploaded files are); it is read in chunks, never
    whole. ``content_type`` is what the sender declared (defaults to ``fileobj.content_type``
    for an uploaded file); the stored type is always the one sniffed from the bytes.
    ``archival`` files go to the archive bucket under COMPLIANCE retention until
    ``retention_until`` (default: ARCHIVE_DEFAULT_RETENTION_YEARS from now); others go to the
    derived bucket.

    The same bytes are stored once per bucket: storing them again returns the existing
    object, with its first name and retention, so a retried upload is harmless. If the object
    store is down, StorageUnavailable is raised and nothing is written to the database.

    The object is put before the row is committed. Called inside a caller's transaction that
    later rolls back, the object stays in the bucket without a row: harmless (a retry finds
    the same key) and left to the reconciler, never deleted blindly.
    """
    name = original_name or _base_name(getattr(fileobj, "name", "") or "")
    checked = upload_check(
        fileobj=fileobj,
        name=name,
        declared_type=content_type or getattr(fileobj, "content_type", None),
        declared_sha256=declared_sha256,
        allowed_types=allowed_types,
        max_bytes=max_bytes,
    )
    if archival:
        bucket = settings.S3_ARCHIVE_BUCKET
        retention_until = _retention_check(retention_until or default_retention_until())
    else:
        bucket = settings.S3_DERIVED_BUCKET
        retention_until = None
    existing = StoredObject.objects.filter(bucket=bucket, sha256=checked.sha256).first()
    if existing is not None:
        return existing

    key = object_key(checked.sha256)
    fileobj.seek(0)
    put = gateway.put(
        bucket,
        key,
        data=fileobj,
        length=checked.size,
        content_type=checked.content_type,
        retention_until=retention_until,
    )
    obj = StoredObject(
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        bucket=bucket,
        key=key,
        version_id=put.version_id or "",
        retention_until=retention_until,
        original_name=name[:255],
        stored_by=user if getattr(user, "pk", None) else None,
    )
    try:
        return _object_record(obj=obj, actor=user)
    except IntegrityError:
        # A concurrent upload of the same bytes committed first; its row stands for both.
        return StoredObject.objects.get(bucket=bucket, sha256=checked.sha256)


@transaction.atomic
def _object_record(*, obj: StoredObject, actor: AbstractBaseUser | None) -> StoredObject:
    # The unique (bucket, sha256) constraint is left to the database: a race between two
    # uploads of the same bytes then surfaces as IntegrityError, handled by the caller.
    obj.full_clean(validate_constraints=False)
    obj.save()
    ledger_append(record=obj, action=LedgerEntry.Action.CREATE, actor=actor)
    return obj


def object_legal_hold_set(
    *, obj: StoredObject, on: bool, actor: AbstractBaseUser | None
) -> StoredObject:
    """Place or lift a legal hold on an archival object's version (an accountability case).

    While held, the version cannot be deleted even after its retention ends.
    """
    if not obj.is_archival:
        raise ValidationError(
            _("Only archived evidence can be put on legal hold; this file is a derived copy."),
            code="not_archival",
        )
    gateway.set_legal_hold(obj.bucket, obj.key, version_id=obj.version_id or None, on=on)
    return _object_update(obj=obj, actor=actor, legal_hold=on)


def object_retention_extend(
    *, obj: StoredObject, until: datetime, actor: AbstractBaseUser | None
) -> StoredObject:
    """Keep an archival object's version longer. Retention can only be extended."""
    if not obj.is_archival:
        raise ValidationError(
            _("Only archived evidence has a retention period; this file is a derived copy."),
            code="not_archival",
        )
    until = _retention_check(until)
    if until <= obj.retention_until:
        raise ValidationError(
            _(
                "Retention can only be extended: this file is already kept until"
                " %(current)s, so a new date must be later than that."
            ),
            code="retention_shortened",
            params={"current": timezone.localtime(obj.retention_until).strftime("%Y-%m-%d %H:%M")},
        )
    gateway.set_retention(obj.bucket, obj.key, version_id=obj.version_id or None, until=until)
    return _object_update(obj=obj, actor=actor, retention_until=until)


@transaction.atomic
def _object_update(*, obj: StoredObject, actor: AbstractBaseUser | None, **changes) -> StoredObject:
    locked = StoredObject.objects.select_for_update().get(pk=obj.pk)
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save(update_fields=list(changes))
    ledger_append(record=locked, action=LedgerEntry.Action.UPDATE, actor=actor)
    for field, value in changes.items():
        setattr(obj, field, value)
    return locked


def _retention_check(until: datetime) -> datetime:
    if timezone.is_naive(until):
        raise ValueError("retention dates must be timezone-aware")
    until = until.astimezone(UTC).replace(microsecond=0)
    if until <= timezone.now():
        raise ValidationError(_("The retention date must be in the future."), code="retention_past")
    return until


def _base_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
