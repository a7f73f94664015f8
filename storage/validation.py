"""Upload validation at the boundary: size limit, hash, type sniffed from the bytes, and a
real decode (Pillow for images, pyHanko's PDF reader for PDFs).

``object_store`` runs them in two parts: ``upload_precheck`` before the put starts and
``content_check`` (the decode) while the put is under way. Apps that take files (photos,
documents) can call them before doing anything else with a file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from storage.images import PILLOW_FORMATS, image_check, image_header_check

CHUNK_SIZE = 1024 * 1024
SNIFF_BYTES = 8192

DEFAULT_ALLOWED_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/heic", "image/heif", "application/pdf"}
)

# What a person calls each type, for messages like "looks like a ZIP archive, not a PDF".
TYPE_LABELS = {
    "image/jpeg": _("a JPEG image"),
    "image/png": _("a PNG image"),
    "image/heic": _("a HEIC image"),
    "image/heif": _("a HEIF image"),
    "image/gif": _("a GIF image"),
    "image/webp": _("a WebP image"),
    "image/tiff": _("a TIFF image"),
    "image/bmp": _("a BMP image"),
    "application/pdf": _("a PDF document"),
    "application/zip": _("a ZIP archive"),
    "application/x-rar-compressed": _("a RAR archive"),
    "application/x-7z-compressed": _("a 7-Zip archive"),
    "application/gzip": _("a gzip archive"),
    "application/x-msdownload": _("a Windows program"),
    "application/x-executable": _("a program"),
    "application/x-elf": _("a program"),
    None: _("plain text or a format we do not recognise"),
}
SHORT_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "application/pdf": "PDF",
}
EXTENSION_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
DECLARED_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
# Types that say nothing about the content: browsers send them for anything.
UNINFORMATIVE_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
# HEIC is HEIF with HEVC inside; phones and browsers use either name for the same file.
SAME_FAMILY = {"image/heif": "image/heic"}


@dataclass(frozen=True)
class CheckedFile:
    sha256: str
    size: int
    content_type: str


def type_label(content_type: str | None):
    return TYPE_LABELS.get(content_type) or _("a file of type %(type)s") % {"type": content_type}


def file_size(fileobj: BinaryIO) -> int:
    size = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(0)
    return size


def size_check(size: int, *, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the largest file accepted is %(limit)s."),
            code="file_too_large",
            params={"size": size_text(size), "limit": size_text(max_bytes)},
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")


def file_sha256(fileobj: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
    """SHA-256 (hex) and size, read in chunks from the start; the file is left at 0.

    An upload hashed as it arrived (storage/uploads.py) is not read again.
    """
    received = getattr(fileobj, "received_sha256", None)
    if isinstance(received, str):
        size = file_size(fileobj)
        if max_bytes is not None:
            size_check(size, max_bytes=max_bytes)
        return received, size
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            size_check(size, max_bytes=max_bytes)
    fileobj.seek(0)
    return digest.hexdigest(), size


def declared_sha256_check(actual: str, declared: str | None) -> None:
    if declared is None:
        return
    if declared.strip().lower() != actual:
        raise ValidationError(
            _(
                "The file was damaged in transit: its SHA-256 is %(actual)s but the sender"
                " declared %(declared)s. Send it again."
            ),
            code="sha256_mismatch",
            params={"actual": actual, "declared": declared},
        )


def sniff_type(fileobj: BinaryIO) -> str | None:
    """The content type the bytes say, from their magic numbers; None when unrecognised."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    return filetype.guess_mime(head)


def claimed_types(*, name: str, declared_type: str | None) -> list[str]:
    """What the file name's extension and the sender's content type say the file is."""
    claims = []
    extension = os.path.splitext(name)[1].lower()
    if extension in EXTENSION_TYPES:
        claims.append(EXTENSION_TYPES[extension])
    declared = (declared_type or "").split(";")[0].strip().lower()
    declared = DECLARED_ALIASES.get(declared, declared)
    if declared not in UNINFORMATIVE_TYPES:
        claims.append(declared)
    return claims


def type_check(
    actual: str | None, *, name: str, declared_type: str | None, allowed_types: Iterable[str]
) -> str:
    """Refuse a disguised file or a type not allowed; return the sniffed type."""
    family = SAME_FAMILY.get(actual, actual)
    for claimed in claimed_types(name=name, declared_type=declared_type):
        if SAME_FAMILY.get(claimed, claimed) != family:
            raise ValidationError(
                _("“%(name)s” looks like %(actual)s, not %(claimed)s."),
                code="type_mismatch",
                params={
                    "name": name or _("The file"),
                    "actual": type_label(actual),
                    "claimed": type_label(claimed),
                },
            )
    allowed = set(allowed_types)
    if actual not in allowed:
        raise ValidationError(
            _("This file is %(actual)s. Accepted types: %(allowed)s."),
            code="type_not_allowed",
            params={
                "actual": type_label(actual),
                "allowed": ", ".join(sorted(SHORT_NAMES.get(t, t) for t in allowed)),
            },
        )
    return actual


def pdf_header_check(fileobj: BinaryIO) -> None:
    fileobj.seek(0)
    if not fileobj.read(1024).lstrip().startswith(b"%PDF-"):
        raise _pdf_corrupt()
    fileobj.seek(0)


def pdf_check(fileobj: BinaryIO) -> int:
    """Parse the PDF's structure (header, cross-reference, trailer, page tree); return its
    page count or raise ValidationError."""
    pdf_header_check(fileobj)
    try:
        reader = PdfFileReader(fileobj, strict=False)
        pages = int(reader.root["/Pages"]["/Count"])
    except (PdfError, KeyError, TypeError, ValueError, OSError, EOFError) as exc:
        raise _pdf_corrupt() from exc
    finally:
        fileobj.seek(0)
    if pages < 1:
        raise _pdf_corrupt()
    return pages


def upload_precheck(
    *,
    fileobj: BinaryIO,
    name: str = "",
    declared_type: str | None = None,
    declared_sha256: str | None = None,
    allowed_types: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> CheckedFile:
    """The checks made before a byte leaves for the object store.

    In order: size limit, SHA-256 (against ``declared_sha256`` when given, so damage in
    transit is named as such rather than as a corrupt image), type sniffed from the bytes
    against the name and declared type and ``allowed_types``, then what the file's header
    says: an image's pixel count (a decompression bomb is refused here, before any
    decoding), a PDF's signature. Only damage deep inside the data is left to
    ``content_check``.
    """
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    size_check(file_size(fileobj), max_bytes=max_bytes)
    sha256, size = file_sha256(fileobj, max_bytes=max_bytes)
    declared_sha256_check(sha256, declared_sha256)
    content_type = type_check(
        sniff_type(fileobj),
        name=name,
        declared_type=declared_type,
        allowed_types=DEFAULT_ALLOWED_TYPES if allowed_types is None else allowed_types,
    )
    if content_type in PILLOW_FORMATS:
        image_header_check(fileobj, content_type=content_type)
    elif content_type == "application/pdf":
        pdf_header_check(fileobj)
    fileobj.seek(0)
    return CheckedFile(sha256=sha256, size=size, content_type=content_type)


def content_check(fileobj: BinaryIO, *, content_type: str) -> None:
    """Decode the file for real (images) or parse its structure (PDFs); raise
    ValidationError when it is damaged. Other types have nothing to decode."""
    if content_type in PILLOW_FORMATS:
        image_check(fileobj, content_type=content_type)
    elif content_type == "application/pdf":
        pdf_check(fileobj)
    fileobj.seek(0)


def size_text(size: int) -> str:
    """1.5 MB, 200 KB, 900 bytes: what a person reads in a size message."""
    for unit, factor in ((_("MB"), 1024 * 1024), (_("KB"), 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return _("%(count)d bytes") % {"count": size}


def _pdf_corrupt() -> ValidationError:
    return ValidationError(
        _("The PDF is damaged or incomplete and cannot be read. Upload the original again."),
        code="pdf_corrupt",
    )
