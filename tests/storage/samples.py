"""Bytes of real files for the storage tests, made here rather than checked in."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pillow_heif
from PIL import Image
from reportlab.pdfgen import canvas

pillow_heif.register_heif_opener()


def named(data: bytes, name: str) -> io.BytesIO:
    """An in-memory file carrying a name, as a client would send it."""
    fileobj = io.BytesIO(data)
    fileobj.name = name
    return fileobj


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG of random noise, so every call gives different bytes."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 32)) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def heic(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "HEIF", quality=80)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def pdf(text: str | None = None) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text or os.urandom(8).hex())
    page.showPage()
    page.save()
    return out.getvalue()


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.txt", os.urandom(16).hex())
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A complete, valid 1-bit black PNG of width × height pixels that is small on disk.

    Built chunk by chunk: making it with Pillow would allocate the whole image first.
    """
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )
