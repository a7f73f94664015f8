"""Reading stored objects.

These functions do not check who is asking: callers check access to the record that owns
the file first (e.g. the project's access helper), then call these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings

from storage import gateway
from storage.errors import IntegrityFailure
from storage.models import StoredObject


def object_read(
    *, obj: StoredObject, verify: bool = True, chunk_size: int = gateway.CHUNK_SIZE
) -> Iterator[bytes]:
    """The bytes of ``obj``'s stored version, as chunks, hashed while they stream.

    Callers must check the user's access to the owning record first.

    With ``verify`` the SHA-256 and size of what was read are compared with the row after
    the last chunk, and IntegrityFailure is raised instead of ending normally. A caller that
    streams to a client has then already sent the bytes: it should abort the response (so
    the download fails) and report it. Use ``object_read_bytes`` when the bytes are needed
    before anything is sent.
    """
    stream = gateway.get(
        obj.bucket, obj.key, version_id=obj.version_id or None, chunk_size=chunk_size
    )
    return _verified(stream, obj) if verify else iter(stream)


def _verified(stream: gateway.ObjectStream, obj: StoredObject) -> Iterator[bytes]:
    digest = hashlib.sha256()
    size = 0
    with stream:
        for chunk in stream:
            digest.update(chunk)
            size += len(chunk)
            yield chunk
    if digest.hexdigest() != obj.sha256 or size != obj.size:
        raise IntegrityFailure(
            f"{obj.bucket}/{obj.key} version {obj.version_id or '-'} read {size} bytes with"
            f" SHA-256 {digest.hexdigest()}; the record says {obj.size} bytes, {obj.sha256}"
        )


def object_read_bytes(*, obj: StoredObject) -> bytes:
    """All of ``obj``'s bytes, verified before they are returned. For small files (PDFs to
    sign, images to thumbnail); callers must check access first."""
    return b"".join(object_read(obj=obj, verify=True))


def object_download_url(
    *, obj: StoredObject, expires_seconds: int | None = None, download_name: str | None = None
) -> str:
    """A presigned GET URL for ``obj``'s exact version, valid for ``expires_seconds``
    (default S3_PRESIGNED_SECONDS); browsers save it as ``download_name`` (default: the
    original file name).

    Anyone holding the URL can fetch the file until it expires, so callers must check the
    user's access first and must not log or cache the URL.
    """
    seconds = settings.S3_PRESIGNED_SECONDS if expires_seconds is None else expires_seconds
    return gateway.presigned_get_url(
        obj.bucket,
        obj.key,
        version_id=obj.version_id or None,
        expires=timedelta(seconds=seconds),
        download_name=download_name or obj.original_name or None,
        content_type=obj.content_type,
    )
