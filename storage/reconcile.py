"""The storage reconciler: the object store and the StoredObject rows, side by side.

Files are written object first, row second (DESIGN.md): an archival version is put under a
legal hold, its row committed, and only then is its COMPLIANCE retention set and the hold
lifted (``storage.services.objects_record``). So a failed transaction or a process killed
mid-upload leaves an object version without a row — an orphan, held, harmless — and never a
retained version without a row. A row without its object is evidence gone missing: reported
loudly.

``reconcile`` only reads and reports, and settles the retention of committed rows whose
process died before it could (``PendingRetention``). ``orphans_remove`` is the one place
that deletes: orphans past a grace period, each checked again against the rows just before,
never a version under retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from storage import gateway
from storage.errors import ObjectNotFound, ObjectProtected, StorageError
from storage.models import PendingRetention, StoredObject
from storage.services import objects_settle

Progress = Callable[[int], None]

# Where responsibility.exports keeps exported packages in the derived bucket.
EXPORT_PREFIX = "exports/"

# A row committed this long ago whose retention is still not set was left by a dead process:
# younger ones are settled by their own request, just after its commit.
SETTLE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Orphan:
    bucket: str
    key: str
    version_id: str
    last_modified: datetime | None
    legal_hold: bool = False
    retention_until: datetime | None = None

    @property
    def retained(self) -> bool:
        return self.retention_until is not None and self.retention_until > timezone.now()

    def describe(self) -> str:
        state = (
            f"under retention until {self.retention_until:%Y-%m-%d}"
            if self.retained
            else ("under a legal hold" if self.legal_hold else "unprotected")
        )
        when = f"{self.last_modified:%Y-%m-%d %H:%M} UTC" if self.last_modified else "?"
        return f"{self.bucket}/{self.key} {self.version_id or '-'} (stored {when}; {state})"


@dataclass
class Reconciliation:
    listed: int = 0
    rows: int = 0
    missing: list[StoredObject] = field(default_factory=list)  # rows whose version is gone
    orphans: list[Orphan] = field(default_factory=list)
    settled: int = 0  # committed rows whose retention was set here, after a dead process

    @property
    def clean(self) -> bool:
        return not self.missing


def _kept_elsewhere(bucket: str, key: str) -> bool:
    """Exported archive packages (``responsibility.exports``) are copies with rows of their
    own and a lifetime, not stored evidence: not orphans."""
    return bucket == settings.S3_DERIVED_BUCKET and key.startswith(EXPORT_PREFIX)


def reconcile(*, progress: Progress | None = None) -> Reconciliation:
    result = Reconciliation()
    result.settled = pending_settle()
    rows: dict[tuple[str, str], list[StoredObject]] = {}
    for obj in StoredObject.objects.order_by("pk").iterator(chunk_size=2000):
        rows.setdefault((obj.bucket, obj.key), []).append(obj)
        result.rows += 1
    present: set[tuple[str, str, str]] = set()
    latest: set[tuple[str, str]] = set()
    for bucket in (settings.S3_ARCHIVE_BUCKET, settings.S3_DERIVED_BUCKET):
        for version in gateway.list_versions(bucket):
            if version.is_delete_marker:
                continue
            result.listed += 1
            present.add((bucket, version.key, version.version_id))
            if version.is_latest:
                latest.add((bucket, version.key))
            if not _recorded(rows.get((bucket, version.key), ()), version) and not _kept_elsewhere(
                bucket, version.key
            ):
                result.orphans.append(_orphan(bucket, version))
            if progress is not None and result.listed % 1000 == 0:
                progress(result.listed)
    for (bucket, key), objects in rows.items():
        for obj in objects:
            if obj.version_id:
                found = (bucket, key, obj.version_id) in present
            else:  # unversioned (derived bucket): the key's current object
                found = (bucket, key) in latest
            if not found:
                result.missing.append(obj)
    return result


def _recorded(objects, version: gateway.ListedVersion) -> bool:
    """Whether one of the key's rows points at this version (a row without a version id,
    in the unversioned derived bucket, points at the key's current object)."""
    return any(
        obj.version_id == version.version_id or (not obj.version_id and version.is_latest)
        for obj in objects
    )


def _orphan(bucket: str, version: gateway.ListedVersion) -> Orphan:
    # Orphans are few (failed uploads): one HEAD each says how they are protected.
    hold, until = False, None
    try:
        info = gateway.stat(bucket, version.key, version_id=version.version_id or None)
        hold, until = info.legal_hold, info.retention_until
    except ObjectNotFound:
        pass
    return Orphan(
        bucket=bucket,
        key=version.key,
        version_id=version.version_id,
        last_modified=version.last_modified,
        legal_hold=hold,
        retention_until=until,
    )


def pending_settle(*, older_than: timedelta = SETTLE_AFTER) -> int:
    """Set the retention (and lift the hold) of archival versions whose rows committed at
    least ``older_than`` ago but whose process died before it could; how many were."""
    before = timezone.now() - older_than
    pks = PendingRetention.objects.filter(created_at__lt=before).values_list(
        "stored_object_id", flat=True
    )
    return objects_settle(list(pks))


@dataclass
class Removal:
    removed: list[Orphan] = field(default_factory=list)
    kept: list[tuple[Orphan, str]] = field(default_factory=list)  # (orphan, why)
    interrupted: bool = False


class Interrupt:
    """Set ``requested`` (from a signal handler) to stop after the current orphan."""

    requested: bool = False


def orphans_remove(
    orphans: list[Orphan],
    *,
    older_than: timedelta,
    dry_run: bool = True,
    interrupt: Interrupt | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Removal:
    """Lift the hold of, and delete, the orphans last written more than ``older_than`` ago.

    Kept: younger orphans (an upload may still be committing its row), versions under
    retention (the object store would refuse anyway; they are reported, not fought), and any
    version a row has come to point at since the listing (checked again just before each
    delete). ``dry_run`` only says what would be removed.
    """
    result = Removal()
    cutoff = timezone.now() - older_than
    for done, orphan in enumerate(orphans, start=1):
        if interrupt is not None and interrupt.requested:
            result.interrupted = True
            break
        why = _keep_reason(orphan, cutoff)
        if why:
            result.kept.append((orphan, why))
        elif dry_run:
            result.removed.append(orphan)
        else:
            try:
                if orphan.legal_hold:
                    gateway.set_legal_hold(
                        orphan.bucket, orphan.key, version_id=orphan.version_id or None, on=False
                    )
                gateway.remove(orphan.bucket, orphan.key, version_id=orphan.version_id or None)
                result.removed.append(orphan)
            except ObjectProtected:
                result.kept.append((orphan, "the object store refused: protected"))
            except ObjectNotFound:
                result.kept.append((orphan, "already gone"))
            except StorageError:
                result.interrupted = True  # the store is unreachable: stop, run again later
                raise
        if progress is not None:
            progress(done, len(orphans))
    return result


def _keep_reason(orphan: Orphan, cutoff: datetime) -> str:
    if orphan.retained:
        return f"under retention until {orphan.retention_until:%Y-%m-%d}"
    if orphan.last_modified is None or orphan.last_modified > cutoff:
        return "younger than the grace period"
    recorded = StoredObject.objects.filter(bucket=orphan.bucket, key=orphan.key).filter(
        Q(version_id=orphan.version_id) | Q(version_id="")
    )
    if recorded.exists():
        return "a record points at it now"
    return ""
