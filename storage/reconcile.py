"""The storage reconciler: the object store and the StoredObject rows, side by side.

Files are written object first, row second (DESIGN.md), so a failed transaction can leave an
object without a row: an orphan, harmless, reported. A row without its object is evidence
gone missing: reported loudly. Nothing is ever deleted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from storage import gateway
from storage.models import StoredObject

Progress = Callable[[int], None]

# Where responsibility.exports keeps exported packages in the derived bucket.
EXPORT_PREFIX = "exports/"


@dataclass
class Reconciliation:
    listed: int = 0
    rows: int = 0
    missing: list[StoredObject] = field(default_factory=list)  # rows whose version is gone
    orphans: list[tuple[str, str, str]] = field(default_factory=list)  # (bucket, key, version)

    @property
    def clean(self) -> bool:
        return not self.missing


def _kept_elsewhere(bucket: str, key: str) -> bool:
    """Exported archive packages (``responsibility.exports``) are copies with rows of their
    own and a lifetime, not stored evidence: not orphans."""
    return bucket == settings.S3_DERIVED_BUCKET and key.startswith(EXPORT_PREFIX)


def reconcile(*, progress: Progress | None = None) -> Reconciliation:
    result = Reconciliation()
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
            if (bucket, version.key) not in rows and not _kept_elsewhere(bucket, version.key):
                result.orphans.append((bucket, version.key, version.version_id))
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
