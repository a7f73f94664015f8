"""The structure of a photo, checked without decoding its pixels.

A full decode of a 12-megapixel photo takes as long as its put, and it is what refused a
damaged photo inside the upload's request. Most damage shows in the structure, which is
read in a few milliseconds: a truncated file has no end, a disguised one has no scan, a
decompression bomb says its size in its header. ``photo_structure_check`` reads that at
receipt; what only a decode finds (corrupt entropy-coded data inside a whole file) is found
by the preview job (``storage.photos.photo_previews_make``), which flags the photo.

- JPEG: SOI first, then every marker segment walked by its length, a frame header (SOF)
  before the first scan, each scan's entropy-coded data run to the next marker, and EOI at
  the end (what a phone appends after EOI — a second picture, a maker trailer — is left).
- HEIC/HEIF: the top-level ISOBMFF boxes walked by their sizes, ``ftyp`` first, ``meta``
  and ``mdat`` present, the last box ending where the file ends; the primary item's size
  read by pillow-heif from the ``meta`` box (libheif parses the boxes, it does not decode).
- PNG: the signature, every chunk walked with its CRC-32, IHDR first, IDAT present, IEND
  last.
"""

from __future__ import annotations

import re
import struct
from typing import BinaryIO

from zlib_ng import zlib_ng

from storage.images import image_open, undecodable

# A marker inside entropy-coded data: 0xFF followed by anything but a stuffed zero, a
# restart marker (RST0–7, part of the scan) or another 0xFF (fill).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# Frame headers (SOF0–15 but DHT C4, JPG C8 and DAC CC): they give the size.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo_structure_check(fileobj: BinaryIO, *, content_type: str) -> tuple[int, int]:
    """Check that ``fileobj`` is a whole photo of ``content_type`` (sniffed) by its
    structure, within the pixel ceiling, without decoding it; return (width, height) or
    raise ValidationError with the same messages a decode gives."""
    # The header as Pillow reads it: the format must be what was sniffed, the pixels within
    # the ceiling (the same refusals as before, said the same way).
    with image_open(fileobj, content_type=content_type) as image:
        size = image.size
    fileobj.seek(0)
    data = fileobj.read()
    fileobj.seek(0)
    if content_type == "image/jpeg":
        walked = _jpeg_size(data)
    elif content_type in ("image/heic", "image/heif"):
        _heif_boxes(data)
        walked = size
    elif content_type == "image/png":
        walked = _png_size(data)
    else:  # pragma: no cover - photo types are sniffed before
        raise undecodable()
    if walked != size:  # two frames that disagree: not a photo any viewer shows the same
        raise undecodable()
    return size


def _jpeg_size(data: bytes) -> tuple[int, int]:
    if data[:2] != b"\xff\xd8":
        raise undecodable()
    pos, end, size, scans = 2, len(data), None, 0
    while True:
        if pos + 2 > end or data[pos] != 0xFF:
            raise undecodable()
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            break
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > end:
            raise undecodable()
        (length,) = struct.unpack_from(">H", data, pos + 2)
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            raise undecodable()
        if marker in _SOF:
            if length < 8:
                raise undecodable()
            height, width = struct.unpack_from(">HH", data, pos + 5)
            size = (width, height)
        if marker == 0xDA:  # SOS: the scan's data runs to the next marker
            if size is None:
                raise undecodable()
            scans += 1
            found = _SCAN_END.search(data, segment_end)
            if found is None:  # cut off inside the scan
                raise undecodable()
            pos = found.start()
            continue
        pos = segment_end
    if size is None or scans == 0 or 0 in size:
        raise undecodable()
    return size


def _heif_boxes(data: bytes) -> None:
    pos, end, kinds = 0, len(data), []
    while pos < end:
        if pos + 8 > end:
            raise undecodable()
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:  # a 64-bit size follows
            if pos + 16 > end:
                raise undecodable()
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:  # the last box, to the end of the file
            size = end - pos
        if size < header or pos + size > end:  # cut off inside a box
            raise undecodable()
        kinds.append(kind)
        pos += size
    if not kinds or kinds[0] != b"ftyp" or b"meta" not in kinds or b"mdat" not in kinds:
        raise undecodable()


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != _PNG_SIGNATURE:
        raise undecodable()
    pos, end, kinds, size = 8, len(data), [], None
    while pos < end:
        if pos + 12 > end:
            raise undecodable()
        length, kind = struct.unpack_from(">I4s", data, pos)
        chunk_end = pos + 12 + length
        if chunk_end > end:
            raise undecodable()
        (crc,) = struct.unpack_from(">I", data, chunk_end - 4)
        if zlib_ng.crc32(memoryview(data)[pos + 4 : chunk_end - 4]) != crc:
            raise undecodable()
        if kind == b"IHDR":
            size = struct.unpack_from(">II", data, pos + 8)
        kinds.append(kind)
        pos = chunk_end
        if kind == b"IEND":
            break
    if not kinds or kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or b"IDAT" not in kinds:
        raise undecodable()
    return size
