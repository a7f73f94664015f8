"""Evidence photos: the one way a photo enters the archive, whoever owns it.

``photo_store`` puts the untouched original (archival), decodes it once — proving it is a
whole image, reading its EXIF and making an upright preview and thumbnail without EXIF —
puts those derived copies, flags what looks wrong against the date and the site the caller
names, records the stored objects and returns a ``StoredPhoto``. The caller (an acceptance
record, a delivery, a plaque installation, a defect case) records its own photo row from it.
"""

from __future__ import annotations

import contextlib
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from PIL import Image, ImageOps

from storage.exif import PhotoMetadata, haversine_m, photo_metadata
from storage.images import image_load, image_open
from storage.models import EvidencePhoto, StoredObject
from storage.services import ObjectStaging, StagedObject, objects_record

# What a phone or camera sends; the bytes are sniffed, never the name trusted.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/heic", "image/heif")
# What can be downloaded of each: the original as sent, and the copies made of it.
PHOTO_VARIANTS = ("original", "preview", "thumbnail")

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


def photo_store(
    *,
    fileobj: BinaryIO,
    user: AbstractBaseUser | None,
    subject_date: datetime.date | None = None,
    site: tuple[Decimal | float, Decimal | float] | None = None,
    declared_sha256: str | None = None,
    attached: Callable[[StoredObject], Any] | None = None,
) -> StoredPhoto:
    """Store an evidence photo: the original untouched (archival), an upright preview and
    thumbnail without EXIF (derived), what EXIF says, and the flags — taken more than
    PHOTO_CAPTURE_TOLERANCE_DAYS from ``subject_date``, or more than
    PHOTO_GPS_TOLERANCE_METERS from ``site`` (latitude, longitude).

    The photo is decoded once, while its original is put under a legal hold; a file that
    is not a whole photo (damaged, disguised, a decompression bomb) raises ValidationError
    and every version put is removed. The stored objects are recorded (rows and ledger
    entries) before this returns; the caller records its own row.

    ``attached(original)`` lets the caller say the same bytes are already one of its photos
    (return that row): nothing is decoded or put again, and the row comes back as
    ``existing``.
    """
    # The original is put while it is decoded here, once: the decode both proves the file is
    # a whole image and makes the preview and thumbnail (ObjectStaging).
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
        with image_open(fileobj, content_type=original.obj.content_type) as image:
            size = photo_load(image)  # refuses a damaged photo: the put is then undone
            decoded = photo_derive(image, size)
        fileobj.seek(0)
        stem = original.obj.sha256[:16]
        preview = _derived_stage(staging, decoded.preview, f"{stem}-preview.jpg")
        thumbnail = _derived_stage(staging, decoded.thumbnail, f"{stem}-thumbnail.jpg")
    original_obj, preview_obj, thumbnail_obj = objects_record(
        [original, preview, thumbnail], actor=user
    )
    distance, flags = photo_flags(decoded.metadata, subject_date=subject_date, site=site)
    return StoredPhoto(
        original=original_obj,
        preview=preview_obj,
        thumbnail=thumbnail_obj,
        width=decoded.width,
        height=decoded.height,
        metadata=decoded.metadata,
        distance_from_site_m=distance,
        flags=flags,
    )


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
