"""Photos for the tests, made in code with Pillow: EXIF time, GPS, camera and orientation."""

from __future__ import annotations

import io
import os
import struct

import pillow_heif
from PIL import Image, TiffImagePlugin

pillow_heif.register_heif_opener()

# 杭州滨江, next to the project site in tests/conftest.py.
SITE = (30.188512, 120.201436)


def dms(value: float):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(int(seconds * 10000), 10000),
    )


def exif(
    *,
    taken="2025:06:10 09:30:00",
    offset="+08:00",
    gps=SITE,
    accuracy=5,
    make="HUAWEI",
    model="Mate 60 Pro",
    orientation=None,
) -> Image.Exif:
    data = Image.Exif()
    if make is not None:
        data[0x010F] = make
    if model is not None:
        data[0x0110] = model
    if orientation is not None:
        data[0x0112] = orientation
    main = data.get_ifd(0x8769)
    if taken is not None:
        main[0x9003] = taken
    if offset is not None:
        main[0x9011] = offset
    if gps is not None:
        ifd = data.get_ifd(0x8825)
        ifd[1] = "N" if gps[0] >= 0 else "S"
        ifd[2] = dms(gps[0])
        ifd[3] = "E" if gps[1] >= 0 else "W"
        ifd[4] = dms(gps[1])
        if accuracy is not None:
            ifd[0x1F] = TiffImagePlugin.IFDRational(accuracy, 1)
    return data


def noise(size):
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def jpeg(size=(640, 480), exif_data=None, **kwargs) -> bytes:
    out = io.BytesIO()
    data = exif_data if exif_data is not None else exif(**kwargs)
    noise(size).save(out, "JPEG", quality=85, exif=data)
    return out.getvalue()


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    noise(size).save(out, "PNG")
    return out.getvalue()


def heic(size=(64, 48), **kwargs) -> bytes:
    out = io.BytesIO()
    noise(size).save(out, "HEIF", quality=80, exif=exif(**kwargs).tobytes())
    return out.getvalue()


def bomb() -> bytes:
    """A small PNG that claims 20000 × 20000 pixels."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


def raw_exif_jpeg(gps_ifd_bytes: bytes) -> bytes:
    """A JPEG whose EXIF block is handcrafted bytes (a hostile GPS IFD)."""
    out = io.BytesIO()
    noise((32, 32)).save(out, "JPEG", exif=gps_ifd_bytes)
    return out.getvalue()


def hostile_exif() -> bytes:
    """TIFF header, IFD0 with a GPS pointer, GPS IFD with 1/0 rationals and a text where a
    number belongs."""
    entries = []
    header = b"II*\x00" + struct.pack("<I", 8)
    # IFD0: one entry, GPS IFD pointer at offset 26.
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, 26) + struct.pack("<I", 0)
    gps_offset = 26
    # GPS IFD: LatitudeRef 'N', Latitude 3 rationals at data offset, Longitude as ASCII.
    count = 3
    data_offset = gps_offset + 2 + count * 12 + 4
    entries.append(struct.pack("<HHI4s", 1, 2, 2, b"N\x00\x00\x00"))
    entries.append(struct.pack("<HHII", 2, 5, 3, data_offset))
    entries.append(struct.pack("<HHI4s", 4, 2, 4, b"abc\x00"))
    gps = struct.pack("<H", count) + b"".join(entries) + struct.pack("<I", 0)
    rationals = struct.pack("<6I", 30, 0, 11, 0, 4294967295, 0)
    return b"Exif\x00\x00" + header + ifd0 + gps + rationals


def named(data: bytes, name: str) -> io.BytesIO:
    fileobj = io.BytesIO(data)
    fileobj.name = name
    return fileobj
