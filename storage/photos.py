"""Evidence photos: the one way a photo enters the archive, whoever owns it.

``photo_store`` puts the untouched original (archival) while it checks the photo's
structure (``storage.structure``: a truncated, disguised or oversized photo is refused in
the request, in milliseconds), reads its EXIF from the header, flags what looks wrong
against the date and the site the caller names, records the stored original and returns a
``StoredPhoto``. The caller (an acceptance record, a delivery, a plaque installation, a
defect case) records its own photo row from it, and in the same transaction queues the
preview job (``StoredPhoto.previews_later``).

The decode — as long as the put for a 12-megapixel photo, a second for a HEIC — runs in
that job (``photo_previews_make``): it makes the upright preview and thumbnail without EXIF
and sets them on every photo row of the original; a photo whose decode fails (damage only
a decode finds, such as corrupt entropy-coded data) is flagged "could not be read" instead.
Until the job ran, a photo row has no preview: its lists say "preview coming".
"""

from __future__ import annotations

import contextlib
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from PIL import Image, ImageOps

from jobs.engine import job
from storage.exif import PhotoMetadata, haversine_m, photo_metadata
from storage.images import image_load, image_open
from storage.models import EvidencePhoto, StoredObject
from storage.selectors import object_read_bytes
from storage.services import ObjectStaging, StagedObject, objects_record
from storage.structure import photo_structure_check

# What a phone or camera sends; the bytes are sniffed, never the name trusted.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/heic", "image/heif")
# What can be downloaded of each: the original as sent, and the copies made of it.
PHOTO_VARIANTS = ("original", "preview", "thumbnail")
# The photo rows of every app (model, the field naming the original), for the preview job;
# by name, as those apps build on this one.
PHOTO_MODELS = (
    ("inspections.Photo", "original"),
    ("materials.DeliveryPhoto", "stored_object"),
    ("responsibility.PlaqueInstallationPhoto", "stored_object"),
)

Flag = EvidencePhoto.Flag


@dataclass(frozen=True)
class DecodedPhoto:
    width: int
    height: int
    metadata: PhotoMetadata
    preview: bytes
    thumbnail: bytes


@dataclass
class StoredPhoto:
    """What the caller records: the stored original and derived copies, the size as taken,
    what EXIF says and the flags. ``existing`` is the caller's row when the original was
    already attached (``photo_store``'s ``attached``); nothing else is set then."""

    original: StoredObject
    existing: Any = None
    preview: StoredObject | None = None
    thumbnail: StoredObject | None = None
    width: int | None = None
    height: int | None = None
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)
    distance_from_site_m: float | None = None
    flags: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The ``EvidencePhoto`` columns of a photo row, by name."""
        metadata = self.metadata
        return {
            "preview": self.preview,
            "thumbnail": self.thumbnail,
            "width": self.width,
            "height": self.height,
            "captured_at": metadata.captured_at,
            "captured_offset": metadata.captured_offset,
            "latitude": metadata.latitude,
            "longitude": metadata.longitude,
            "gps_accuracy_m": metadata.gps_accuracy_m,
            "camera_make": metadata.camera_make,
            "camera_model": metadata.camera_model,
            "distance_from_site_m": self.distance_from_site_m,
            "flags": self.flags,
        }

    def previews_later(self) -> None:
        """Queue the preview job of this photo: call it in the transaction that records the
        photo row (the job's row commits with it, so the job never runs before the row
        exists). Nothing is queued when the previews were already made."""
        if self.preview is None:
            photo_previews_make.enqueue(self.original.pk)


def photo_store(
    *,
    fileobj: BinaryIO,
    user: AbstractBaseUser | None,
    subject_date: datetime.date | None = None,
    site: tuple[Decimal | float, Decimal | float] | None = None,
    declared_sha256: str | None = None,
    attached: Callable[[StoredObject], Any] | None = None,
    device_captured_at: datetime.datetime | None = None,
) -> StoredPhoto:
    """Store an evidence photo: the original untouched (archival), what EXIF says, and the
    flags — taken more than PHOTO_CAPTURE_TOLERANCE_DAYS from ``subject_date``, or more than
    PHOTO_GPS_TOLERANCE_METERS from ``site`` (latitude, longitude).

    The photo's structure is checked while its original is put under a legal hold; a file
    that is not a whole photo by its structure (truncated, disguised, a decompression bomb)
    raises ValidationError and every version put is removed. EXIF is read from the header
    (no decode needed), so the taken-at time, the position and their flags are known at
    receipt. The stored original is recorded (row and ledger entry) before this returns; the
    caller records its own row and calls ``previews_later()`` in the same transaction. When
    a photo row of the same bytes already has its preview and thumbnail, they are reused.

    ``attached(original)`` lets the caller say the same bytes are already one of its photos
    (return that row): nothing is checked or put again, and the row comes back as
    ``existing``.

    ``device_captured_at`` is the capture time a phone's offline queue claims for the photo
    (capture/): received more than CAPTURE_LONG_DELAY_HOURS after it, the photo is flagged.
    """
    with ObjectStaging() as staging:
        original = staging.stage(
            fileobj=fileobj,
            archival=True,
            original_name=(getattr(fileobj, "name", "") or "")[-200:],
            declared_sha256=declared_sha256,
            allowed_types=PHOTO_TYPES,
            max_bytes=settings.PHOTO_MAX_BYTES,
        )
        if not original.is_new and attached is not None:
            existing = attached(original.obj)
            if existing is not None:
                return StoredPhoto(original=original.obj, existing=existing)
        content_type = original.obj.content_type
        width, height = photo_structure_check(fileobj, content_type=content_type)
        with image_open(fileobj, content_type=content_type) as image:
            metadata = photo_metadata(image, default_tz=timezone.get_default_timezone())
        fileobj.seek(0)
    (original_obj,) = objects_record([original], actor=user)
    distance, flags = photo_flags(metadata, subject_date=subject_date, site=site)
    preview, thumbnail = _derived_known(original_obj) if not original.is_new else (None, None)
    if device_captured_at is not None and received_long_after(device_captured_at):
        flags.append(Flag.RECEIVED_LONG_AFTER_CAPTURE.value)
    return StoredPhoto(
        original=original_obj,
        preview=preview,
        thumbnail=thumbnail,
        width=width,
        height=height,
        metadata=metadata,
        distance_from_site_m=distance,
        flags=flags,
    )


def _photo_rows(
    original_id: int, *, pending: bool = False, lock: bool = False
) -> list[models.Model]:
    """Every photo row, of every app, whose original is ``original_id``; with ``pending``
    only those the preview job has still to do (no preview, not flagged unreadable)."""
    rows = []
    for label, name in PHOTO_MODELS:
        model = apps.get_model(label)
        found = model.objects.filter(**{f"{name}_id": original_id}).order_by("pk")
        if pending:
            found = found.filter(preview__isnull=True)
        # "Not flagged unreadable" is checked here, not in SQL: SQLite (make run) has no
        # JSON containment lookup.
        rows.extend(
            row
            for row in (found.select_for_update() if lock else found)
            if not pending or Flag.UNREADABLE.value not in (row.flags or [])
        )
    return rows


def _derived_known(original: StoredObject) -> tuple[StoredObject | None, StoredObject | None]:
    """The preview and thumbnail already made of ``original`` for another photo row."""
    for row in _photo_rows(original.pk):
        if row.preview_id is not None and row.thumbnail_id is not None:
            return row.preview, row.thumbnail
    return None, None


@job(retries=3)
def photo_previews_make(original_id: int) -> dict:
    """Decode the photo stored as ``original_id`` once, make its preview and thumbnail and
    set them on every photo row of that original that has none; if the decode fails, flag
    those rows "could not be read" (their uploader and the regulator see the flag).

    Idempotent: rows that have their previews, or the flag, are left as they are; the
    derived copies are content-addressed, so a second run puts nothing new.
    """
    from ledger.models import LedgerEntry  # the ledger app builds on this one
    from ledger.services import ledgered_save

    if not _photo_rows(original_id, pending=True):
        return {"photos": 0}
    original = StoredObject.objects.get(pk=original_id)
    data = io.BytesIO(object_read_bytes(obj=original))
    try:
        decoded = photo_decode(data, content_type=original.content_type)
    except ValidationError as exc:
        with transaction.atomic():
            rows = _photo_rows(original_id, pending=True, lock=True)
            for row in rows:
                row.flags = [*(row.flags or []), Flag.UNREADABLE.value]
                ledgered_save(row, action=LedgerEntry.Action.UPDATE, actor=None)
        return {"photos": len(rows), "unreadable": exc.messages[0]}
    stem = original.sha256[:16]
    with ObjectStaging() as staging:
        staged = [
            _derived_stage(staging, decoded.preview, f"{stem}-preview.jpg"),
            _derived_stage(staging, decoded.thumbnail, f"{stem}-thumbnail.jpg"),
        ]
    with transaction.atomic():
        preview, thumbnail = objects_record(staged, actor=None)
        # Locked and read again: a second run of the same job (two uploads of the same
        # bytes at once) waits here, then finds nothing left to fill.
        rows = _photo_rows(original_id, pending=True, lock=True)
        for row in rows:
            row.preview, row.thumbnail = preview, thumbnail
            ledgered_save(row, action=LedgerEntry.Action.UPDATE, actor=None)
    return {"photos": len(rows)}


def photo_variant(photo, variant: str) -> StoredObject | None:
    """The stored file of an evidence photo row for a download link's ``variant`` (None for
    an unknown variant or a copy never made). Check access to the photo first."""
    if variant not in PHOTO_VARIANTS or getattr(photo, f"{variant}_id", None) is None:
        return None
    return getattr(photo, variant)


def _derived_stage(staging: ObjectStaging, data: bytes, name: str) -> StagedObject:
    return staging.stage(
        fileobj=io.BytesIO(data), archival=False, original_name=name, content_type="image/jpeg"
    )


def received_long_after(device_captured_at: datetime.datetime) -> bool:
    """Whether a photo a phone says it took at ``device_captured_at`` reaches the archive
    long after (CAPTURE_LONG_DELAY_HOURS): a queue held offline for days is worth a look."""
    delay = timezone.now() - device_captured_at
    return delay > datetime.timedelta(hours=settings.CAPTURE_LONG_DELAY_HOURS)


def photo_flags(
    metadata: PhotoMetadata,
    *,
    subject_date: datetime.date | None,
    site: tuple[Decimal | float, Decimal | float] | None,
) -> tuple[float | None, list[str]]:
    """The distance from ``site`` (metres, if both are known) and the flags of a photo."""
    flags = []
    if metadata.captured_at is not None and subject_date is not None:
        taken_on = metadata.captured_at.astimezone(metadata.captured_at.tzinfo).date()
        if abs((taken_on - subject_date).days) > settings.PHOTO_CAPTURE_TOLERANCE_DAYS:
            flags.append(Flag.CAPTURED_FAR_FROM_DATE.value)
    distance = None
    if metadata.latitude is not None and site is not None and None not in site:
        distance = round(
            haversine_m(
                float(metadata.latitude),
                float(metadata.longitude),
                float(site[0]),
                float(site[1]),
            ),
            1,
        )
        if distance > settings.PHOTO_GPS_TOLERANCE_METERS:
            flags.append(Flag.TAKEN_FAR_FROM_SITE.value)
    return distance, flags


def photo_decode(fileobj: BinaryIO, *, content_type: str) -> DecodedPhoto:
    """Decode a photo once (refusing one that is damaged or truncated) and make its
    preview and thumbnail; return them with its size and EXIF metadata."""
    with image_open(fileobj, content_type=content_type) as image:
        decoded = photo_derive(image, photo_load(image))
    fileobj.seek(0)
    return decoded


def photo_load(image: Image.Image) -> tuple[int, int]:
    """Decode an opened photo at the smallest scale its preview allows, or raise
    ValidationError; return its size as taken. A 4000 × 3000 JPEG decodes at 1/4 scale for
    a 1000 px preview; every byte of the scan is still read, so a truncated or damaged file
    is refused all the same."""
    size = image.size
    if image.format == "JPEG":  # (a no-op once the image is decoded)
        ratio = settings.PHOTO_PREVIEW_PIXELS / max(image.size)
        image.draft("RGB", (round(image.width * ratio), round(image.height * ratio)))
    image_load(image)
    return size


def photo_derive(image: Image.Image, size: tuple[int, int]) -> DecodedPhoto:
    """EXIF metadata and derived copies of a photo ``photo_load`` decoded."""
    metadata = photo_metadata(image, default_tz=timezone.get_default_timezone())
    preview, thumbnail = derived_jpegs(image)
    return DecodedPhoto(*size, metadata, preview, thumbnail)


def derived_jpegs(image: Image.Image) -> tuple[bytes, bytes]:
    """An opened image's orientation-corrected preview and thumbnail, as JPEG without EXIF
    (decoding it first, if ``photo_load`` has not)."""
    preview_px = settings.PHOTO_PREVIEW_PIXELS
    photo_load(image)
    upright = image if image.mode == "RGB" else image.convert("RGB")
    # In place: no copy of the pixels when the photo is already upright. A hostile
    # orientation tag leaves the photo as it was taken.
    with contextlib.suppress(Exception):
        upright = ImageOps.exif_transpose(upright, in_place=True) or upright
    upright.thumbnail((preview_px, preview_px))
    preview = _jpeg(upright, quality=85)
    thumbnail_px = settings.PHOTO_THUMBNAIL_PIXELS
    upright.thumbnail((thumbnail_px, thumbnail_px))
    return preview, _jpeg(upright, quality=80)


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=False)
    return buffer.getvalue()
