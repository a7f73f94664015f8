"""Decoding images for real, with a pixel ceiling, so a file that only claims to be a photo,
a truncated one or a decompression bomb is refused at the boundary.

Phones send JPEG and HEIC; pillow_heif teaches Pillow to read HEIC/HEIF.
"""

from __future__ import annotations

import warnings
from typing import BinaryIO

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image

pillow_heif.register_heif_opener()

# Pillow's decoder for each sniffed type: the bytes must decode as what they were sniffed as.
PILLOW_FORMATS = {
    "image/jpeg": ["JPEG"],
    "image/png": ["PNG"],
    "image/heic": ["HEIF"],
    "image/heif": ["HEIF"],
}


def image_open(fileobj: BinaryIO, *, content_type: str) -> Image.Image:
    """Open (not decode) an image with the pixel ceiling applied; the caller closes it.

    Pillow only warns between 1× and 2× MAX_IMAGE_PIXELS; here that warning is an error too.
    """
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    fileobj.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(fileobj, formats=PILLOW_FORMATS[content_type])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_many_pixels() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise undecodable() from exc


def image_header_check(fileobj: BinaryIO, *, content_type: str) -> tuple[int, int]:
    """Read only the header: the format must be what was sniffed, the pixel count within the
    ceiling. Return (width, height)."""
    with image_open(fileobj, content_type=content_type) as image:
        return image.size


def image_load(image: Image.Image) -> None:
    """Decode ``image`` (as drafted, if the caller drafted it) or raise ValidationError."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise undecodable() from exc


def image_check(fileobj: BinaryIO, *, content_type: str) -> tuple[int, int]:
    """Decode the whole image; return its (width, height) or raise ValidationError."""
    with image_open(fileobj, content_type=content_type) as image:
        size = image.size
        if image.format == "JPEG":
            # Decoding at 1/8 scale still reads every byte of the scan, so truncation shows,
            # in a fraction of the time and memory of a full decode.
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image_load(image)
    return size


def too_many_pixels() -> ValidationError:
    return ValidationError(
        _(
            "The image has more than %(limit)s million pixels, the most this archive accepts"
            " (it may be a decompression bomb). Resize it and upload it again."
        ),
        code="image_too_large",
        params={"limit": f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g}"},
    )


def undecodable() -> ValidationError:
    return ValidationError(
        _(
            "The image is damaged or incomplete and cannot be decoded."
            " Upload the original file again."
        ),
        code="image_corrupt",
    )
