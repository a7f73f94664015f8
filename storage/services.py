"""Writes to stored objects: the object store first, then the row and its ledger entry."""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.dates import add_years
from config.metrics import upload_counted
from ledger.models import LedgerEntry
from ledger.services import ledger_append
from storage import gateway
from storage.errors import StorageError
from storage.models import PendingRetention, StoredObject
from storage.validation import content_check, upload_precheck

logger = logging.getLogger(__name__)

# Puts in flight at once in one process (each holds at most one part of its file in memory).
PUT_THREADS = 8


def object_key(sha256: str) -> str:
    """Where the bytes with this SHA-256 live in a bucket: the same bytes, the same key."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def default_retention_until(now: datetime | None = None) -> datetime:
    """Now plus ARCHIVE_DEFAULT_RETENTION_YEARS, to the second (29 February → 28th)."""
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    return add_years(now, settings.ARCHIVE_DEFAULT_RETENTION_YEARS)


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

    The bytes are put while they are decoded (``ObjectStaging``), and the row is committed
    after; an archival version stays under a legal hold until that commit, and gets its
    retention just after it (``objects_record``). Called inside a caller's transaction that
    later rolls back, or in a process killed before the commit, the object stays in the
    bucket without a row, held: harmless (a retry finds the same key), reported by the
    reconciler and removable after a grace period (``orphans_remove``).
    """
    with ObjectStaging() as staging:
        staged = staging.stage(
            fileobj=fileobj,
            archival=archival,
            original_name=original_name,
            content_type=content_type,
            declared_sha256=declared_sha256,
            retention_until=retention_until,
            allowed_types=allowed_types,
            max_bytes=max_bytes,
        )
        if staged.is_new:
            content_check(fileobj, content_type=staged.obj.content_type)
    (obj,) = objects_record([staged], actor=user)
    return obj


# --- Staging: the put runs while the caller decodes the same bytes ---


@dataclass
class StagedObject:
    """A file on its way into the object store: pre-checked, hashed, its put under way.

    ``obj`` is the row to record (unsaved), or the existing row for the same bytes.
    """

    obj: StoredObject
    _reader: BinaryIO | None = None
    _future: Future | None = None  # the put, under a legal hold for an archival file
    _put: gateway.PutResult | None = None

    @property
    def held(self) -> bool:
        """Put under a legal hold that ``objects_record`` lifts once its row commits."""
        return self.is_new and self.obj.retention_until is not None

    @property
    def is_new(self) -> bool:
        return self.obj.pk is None


class ObjectStaging:
    """Puts files in the background while the caller checks them; keeps all or none.

    A 12-megapixel photo takes as long to decode as to put, so doing them one after the
    other doubles an upload's time. Here ``stage()`` runs the cheap checks (size, hash,
    sniffed type, header, pixel count), then starts the put on a second reader of the bytes
    while the caller decodes them in the block::

        with ObjectStaging() as staging:
            staged = staging.stage(fileobj=upload, archival=True)
            content_check(upload, content_type=staged.obj.content_type)
        objects_record([staged], actor=user)

    An archival file is put under a legal hold, not yet its COMPLIANCE retention: a file the
    decode then refuses must be removable, and so must a version whose row never commits
    (the process killed, the transaction rolled back) — a version under retention without a
    row would be kept for decades with nothing pointing at it. Leaving the block normally
    waits for every put; the rows are the caller's (``objects_record``), and the retention
    is set and the hold lifted once they commit. The version is never deletable without
    first lifting a hold. If the block raises, or a put fails, every version put here is
    removed and the error propagates.

    A file that cannot be read twice at once (neither a temporary upload on disk nor bytes in
    memory) is put after the block instead, under the same hold.
    """

    def __init__(self) -> None:
        self._staged: list[StagedObject] = []

    def __enter__(self) -> ObjectStaging:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._abandon()
            return
        try:
            self._settle()
        except BaseException:
            self._abandon()
            raise

    def stage(
        self,
        *,
        fileobj: BinaryIO,
        archival: bool,
        original_name: str = "",
        content_type: str | None = None,
        declared_sha256: str | None = None,
        retention_until: datetime | None = None,
        allowed_types: Iterable[str] | None = None,
        max_bytes: int | None = None,
    ) -> StagedObject:
        """Pre-check ``fileobj`` and start its put; the same bytes already stored in the
        bucket are not put again (``is_new`` is then False). The caller must still decode
        a new file (``content_check``, or its own decoding) inside the block."""
        name = original_name or _base_name(getattr(fileobj, "name", "") or "")
        checked = upload_precheck(
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
            return StagedObject(obj=existing)
        staged = StagedObject(
            obj=StoredObject(
                sha256=checked.sha256,
                size=checked.size,
                content_type=checked.content_type,
                bucket=bucket,
                key=object_key(checked.sha256),
                retention_until=retention_until,
                original_name=name[:255],
            ),
            _reader=_second_reader(fileobj) or fileobj,
        )
        if staged._reader is not fileobj:
            staged._future = _put_executor().submit(_put_held, staged.obj, staged._reader)
        self._staged.append(staged)
        return staged

    def _settle(self) -> None:
        for staged in self._staged:
            if staged._future is None:  # one reader only: put now
                staged._reader.seek(0)
                staged._put = _put(staged.obj, staged._reader, hold=staged.held)
            else:
                staged._put = staged._future.result()
            staged.obj.version_id = staged._put.version_id or ""

    def _abandon(self) -> None:
        """Remove every version put here; what cannot be removed is logged for the
        reconciler (an object without a row, under a hold if it is in the archive)."""
        for staged in self._staged:
            if staged._future is not None:
                try:
                    staged._put = staged._future.result()
                except Exception:  # noqa: BLE001, S112 - the put failed: nothing to remove
                    continue
            if staged._put is None:
                continue
            obj, version = staged.obj, staged._put.version_id
            try:
                if staged.held:
                    gateway.set_legal_hold(obj.bucket, obj.key, version_id=version, on=False)
                gateway.remove(obj.bucket, obj.key, version_id=version)
            except StorageError:
                logger.warning(
                    "could not remove %s/%s version %s of a refused upload; the reconciler"
                    " will report it",
                    obj.bucket,
                    obj.key,
                    version,
                    exc_info=True,
                )


def _put_held(obj: StoredObject, reader: BinaryIO) -> gateway.PutResult:
    try:
        return _put(obj, reader, hold=obj.retention_until is not None)
    finally:
        reader.close()


def _put(obj: StoredObject, reader: BinaryIO, *, hold: bool) -> gateway.PutResult:
    return gateway.put(
        obj.bucket,
        obj.key,
        data=reader,
        length=obj.size,
        content_type=obj.content_type,
        retention_until=None if hold else obj.retention_until,
        legal_hold=hold,
    )


def _second_reader(fileobj: BinaryIO) -> BinaryIO | None:
    """An independent reader of the same bytes for the put thread, or None."""
    path = getattr(fileobj, "temporary_file_path", None)
    if callable(path):  # Django's upload spooled to disk
        return open(path(), "rb")  # noqa: SIM115 - closed by the put thread
    inner = getattr(fileobj, "file", fileobj)  # Django's File wraps the real file object
    if isinstance(inner, io.BytesIO):
        return io.BytesIO(inner.getvalue())
    return None


_executor_lock = threading.Lock()
_executor: tuple[int, ThreadPoolExecutor] | None = None


def _put_executor() -> ThreadPoolExecutor:
    """The process's put threads (made again in a forked worker: threads do not fork)."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            pool = ThreadPoolExecutor(max_workers=PUT_THREADS, thread_name_prefix="lqa-put")
            _executor = (os.getpid(), pool)
        return _executor[1]


@transaction.atomic
def objects_record(
    staged: Iterable[StagedObject], *, actor: AbstractBaseUser | None
) -> list[StoredObject]:
    """Record settled objects (rows and ledger entries) in the caller's transaction; an
    object already stored is returned as it is.

    A held archival version gets its COMPLIANCE retention, and its hold lifted, when the
    outermost transaction commits (``objects_settle``): before, a rollback or a killed
    process leaves a held orphan that can be removed; after, the row points at it. A
    ``PendingRetention`` row, committed with the object's row, says which versions still
    wait for that, should the process die between the commit and the settling: the
    reconciler settles them (``pending_settle``).
    """
    recorded = []
    held = []
    for item in staged:
        obj = item.obj
        if not item.is_new:
            recorded.append(obj)
            continue
        obj.stored_by = actor if getattr(actor, "pk", None) else None
        is_held = item.held  # before the save gives the row its pk
        try:
            # A savepoint, so that losing a race only undoes this row.
            with transaction.atomic():
                recorded.append(_object_record(obj=obj, actor=actor))
                if is_held:
                    PendingRetention.objects.create(stored_object=obj)
                    held.append(obj.pk)
        except IntegrityError:
            # A concurrent upload of the same bytes committed first; its row stands for both.
            # Our version of the bytes stays held, without a row: an orphan to remove.
            recorded.append(StoredObject.objects.get(bucket=obj.bucket, sha256=obj.sha256))
    if held:
        transaction.on_commit(partial(objects_settle, held), robust=True)
    return recorded


def objects_settle(pks: Iterable[int]) -> int:
    """Put the committed, held archival versions of ``pks`` under their COMPLIANCE
    retention, then lift their holds; returns how many were settled. Idempotent: a version
    already settled is skipped (its PendingRetention row is gone). If the object store fails
    here, the versions stay held — protected — and the reconciler settles them later."""
    settled = 0
    for pending in PendingRetention.objects.filter(stored_object__in=list(pks)).select_related(
        "stored_object"
    ):
        obj = pending.stored_object
        version = obj.version_id or None
        try:
            gateway.set_retention(
                obj.bucket, obj.key, version_id=version, until=obj.retention_until
            )
            if not obj.legal_hold:  # a hold the record asks for stays
                gateway.set_legal_hold(obj.bucket, obj.key, version_id=version, on=False)
        except StorageError:
            logger.warning(
                "could not set the retention of %s/%s version %s after its record committed;"
                " it stays under a legal hold until reconcile_storage settles it",
                obj.bucket,
                obj.key,
                version,
                exc_info=True,
            )
            continue
        pending.delete()
        settled += 1
    return settled


def _object_record(*, obj: StoredObject, actor: AbstractBaseUser | None) -> StoredObject:
    # The unique (bucket, sha256) constraint is left to the database: a race between two
    # uploads of the same bytes then surfaces as IntegrityError, handled by the caller.
    # stored_by is the signed-in user, so the check that it exists is one query saved.
    obj.full_clean(exclude=["stored_by"], validate_constraints=False)
    obj.save()
    ledger_append(record=obj, action=LedgerEntry.Action.CREATE, actor=actor)
    upload_counted(obj.bucket)
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
    # A version whose retention a stopped process never set is settled first: lifting a
    # case's hold must not leave it unprotected.
    objects_settle([obj.pk])
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
