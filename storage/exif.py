"""What a photo's EXIF says about when, where and with what it was taken.

EXIF comes from phones, cameras and anyone with a hex editor: every value may be missing,
of the wrong type, a rational with a zero denominator or absurd. Each reader here returns
None (or "") for what it cannot make sense of and never raises.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132
DATETIME_ORIGINAL, OFFSET_TIME, OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ERROR = 1, 2, 3, 4, 0x1F

OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass
class PhotoMetadata:
    captured_at: datetime.datetime | None = None
    captured_offset: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    gps_accuracy_m: float | None = None
    camera_make: str = ""
    camera_model: str = ""


def photo_metadata(image: Image.Image, *, default_tz: datetime.tzinfo) -> PhotoMetadata:
    """Read capture time (aware, with the offset the camera wrote, else ``default_tz``),
    GPS position and accuracy, and camera make and model."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block is no EXIF
        return PhotoMetadata()
    main = _ifd(exif, EXIF_IFD)
    gps = _ifd(exif, GPS_IFD)
    offset = _text(main.get(OFFSET_TIME_ORIGINAL), 6) or _text(main.get(OFFSET_TIME), 6)
    tz = _offset_tz(offset)
    captured_at = _datetime(main.get(DATETIME_ORIGINAL) or exif.get(DATETIME), tz or default_tz)
    latitude = _coordinate(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), limit=90, negative="S")
    longitude = _coordinate(gps.get(GPS_LON), gps.get(GPS_LON_REF), limit=180, negative="W")
    if latitude is None or longitude is None:
        latitude = longitude = None
    accuracy = _number(gps.get(GPS_ERROR))
    return PhotoMetadata(
        captured_at=captured_at,
        captured_offset=offset if tz is not None and captured_at is not None else "",
        latitude=latitude,
        longitude=longitude,
        gps_accuracy_m=accuracy if accuracy is not None and 0 <= accuracy < 1e6 else None,
        camera_make=_text(exif.get(MAKE), 100),
        camera_model=_text(exif.get(MODEL), 100),
    )


def _ifd(exif, tag) -> dict:
    try:
        ifd = exif.get_ifd(tag)
    except Exception:  # noqa: BLE001
        return {}
    return ifd if isinstance(ifd, dict) else {}


def _text(value, limit: int) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch.isprintable()).strip()[:limit]


def _number(value) -> float | None:
    """A float from an int, float, IFDRational or (numerator, denominator), else None."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            result = float(value)
        elif hasattr(value, "numerator") and hasattr(value, "denominator"):
            if not value.denominator:
                return None
            result = value.numerator / value.denominator
        elif isinstance(value, tuple) and len(value) == 2:
            numerator, denominator = value
            if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
                return None
            if not denominator:
                return None
            result = numerator / denominator
        else:
            return None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _coordinate(value, ref, *, limit: int, negative: str) -> Decimal | None:
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    degrees, minutes, seconds = (_number(part) for part in value)
    if degrees is None or minutes is None or seconds is None:
        return None
    if not (0 <= minutes < 60 and 0 <= seconds < 60 and degrees >= 0):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result > limit:
        return None
    if _text(ref, 1).upper() == negative:
        result = -result
    return Decimal(f"{result:.6f}")


def _offset_tz(offset: str) -> datetime.timezone | None:
    match = OFFSET_RE.match(offset or "")
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) >= 60:
        return None
    delta = datetime.timedelta(hours=int(hours), minutes=int(minutes))
    return datetime.timezone(-delta if sign == "-" else delta)


def _datetime(value, tz: datetime.tzinfo) -> datetime.datetime | None:
    text = _text(value, 19)
    try:
        naive = datetime.datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if naive.year < 1990:
        return None
    if hasattr(tz, "localize"):
        return tz.localize(naive)
    return naive.replace(tzinfo=tz)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    radius = 6_371_008.8
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))
