"""The object-store gateway: the only module that imports ``minio``.

A lazily built client with short timeouts and a bounded retry, a few verbs, and our own
exceptions (``storage.errors``) instead of minio's and urllib3's. The buckets are created,
when missing, on the first call that needs them in each process — never at import time, so
``manage.py check`` and ``makemigrations`` work without a running object store.

Any S3 API works: SeaweedFS embedded for ``make run`` and the tests, MinIO in production.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from urllib.parse import quote, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.signals import setting_changed
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from minio.retention import Retention

from storage.errors import (
    CredentialsRejected,
    ObjectNotFound,
    ObjectProtected,
    StorageError,
    StorageMisconfigured,
    StorageUnavailable,
)

CHUNK_SIZE = 256 * 1024
# Files up to this size go in one PUT request. The SDK's default splits anything over 5 MiB
# into a multipart upload, with a new thread pool per file: for a 4–7 MB phone photo that is
# four requests and three threads where one request will do. A part is held in memory while
# it is sent, so this is also the most memory one put takes (up to 3 parts for larger files).
PART_SIZE = 16 * 1024 * 1024
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "NoSuchObjectLockConfiguration"}
_BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
_PROTECTED = {"AccessDenied", "InvalidRequest", "ObjectLocked"}

_lock = threading.Lock()
_ensure_lock = threading.Lock()
_client: Minio | None = None
_signer: Minio | None = None
_buckets_ready = False


@dataclass(frozen=True)
class PutResult:
    bucket: str
    key: str
    version_id: str | None
    etag: str


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    version_id: str | None
    size: int
    content_type: str
    etag: str
    retention_until: datetime | None
    legal_hold: bool


@dataclass(frozen=True)
class BucketStatus:
    name: str
    exists: bool
    object_lock: bool
    created: bool = False


def client() -> Minio:
    """The process's Minio client, built on first use from the S3_* settings."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = _build_client()
    return _client


def reset() -> None:
    """Forget the clients and the bucket check: the next call rebuilds them from settings.

    Called automatically when a test overrides an S3_* setting.
    """
    global _client, _signer, _buckets_ready
    with _lock:
        old, _client, _signer, _buckets_ready = _client, None, None, False
    if old is not None:
        old._http.clear()


def _signing_client() -> Minio:
    """The client that signs URLs handed to browsers.

    A presigned URL's signature covers its host, so when browsers reach the object store
    by another name than the app does (``S3_PUBLIC_ENDPOINT``, e.g.
    ``https://files.example.gov.cn``, a proxy that passes the Host header through), the URL
    is signed for that name. Signing makes no request.
    """
    global _signer
    public = settings.S3_PUBLIC_ENDPOINT
    if not public:
        return client()
    if _signer is None:
        parsed = urlsplit(public if "://" in public else f"//{public}")
        if not parsed.netloc or parsed.path not in ("", "/"):
            raise StorageMisconfigured(
                f"S3_PUBLIC_ENDPOINT={public!r} must be a host[:port], optionally with"
                " http:// or https://, and no path."
            )
        secure = parsed.scheme == "https" if parsed.scheme else settings.S3_SECURE
        _signer = Minio(
            parsed.netloc,
            access_key=settings.S3_ACCESS_KEY,
            secret_key=settings.S3_SECRET_KEY,
            secure=secure,
            region=settings.S3_REGION or "us-east-1",
        )
    return _signer


def _on_setting_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("S3_"):
        reset()


setting_changed.connect(_on_setting_changed)


def _build_client() -> Minio:
    endpoint = settings.S3_ENDPOINT
    if "://" in endpoint or "/" in endpoint or not endpoint:
        raise StorageMisconfigured(
            f"S3_ENDPOINT={endpoint!r} must be host:port with no scheme or path"
            " (set S3_SECURE=1 for https)."
        )
    timeout = urllib3.Timeout(connect=settings.S3_TIMEOUT_SECONDS, read=settings.S3_TIMEOUT_SECONDS)
    retries = urllib3.Retry(
        total=settings.S3_RETRIES,
        connect=settings.S3_RETRIES,
        read=settings.S3_RETRIES,
        status=settings.S3_RETRIES,
        backoff_factor=0.2,
        backoff_max=2,
        status_forcelist=[500, 502, 503, 504],
        # The last 5xx answer goes back to minio, which raises; we translate it.
        raise_on_status=False,
    )
    http = urllib3.PoolManager(
        timeout=timeout,
        retries=retries,
        maxsize=16,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
    )
    try:
        return Minio(
            endpoint,
            access_key=settings.S3_ACCESS_KEY,
            secret_key=settings.S3_SECRET_KEY,
            secure=settings.S3_SECURE,
            # A known region spares a GetBucketLocation round trip and lets URLs be signed
            # with no request at all.
            region=settings.S3_REGION or "us-east-1",
            http_client=http,
        )
    except ValueError as exc:
        raise StorageMisconfigured(f"S3_ENDPOINT={endpoint!r} is not usable: {exc}") from exc


@contextmanager
def _translated(*, protected_op: bool = False) -> Iterator[None]:
    """minio's and urllib3's exceptions as ours.

    ``protected_op`` marks calls the object lock can refuse (delete a version, shorten a
    retention, lift a hold): there AccessDenied/InvalidRequest means the object is protected.
    """
    try:
        yield
    except S3Error as exc:
        status = getattr(exc.response, "status", 0) or 0
        if status >= 500:
            raise StorageUnavailable(str(exc)) from exc
        if exc.code in _NOT_FOUND:
            raise ObjectNotFound(str(exc)) from exc
        if exc.code in _BAD_CREDENTIALS:
            raise CredentialsRejected(str(exc)) from exc
        if protected_op and exc.code in _PROTECTED:
            raise ObjectProtected(str(exc)) from exc
        if exc.code == "AccessDenied":
            # Answers to HEAD requests have no body, so a wrong secret shows up there as a
            # bare 403: the credentials, or their permissions, are what is wrong.
            raise CredentialsRejected(str(exc)) from exc
        raise StorageError(str(exc)) from exc
    except ServerError as exc:
        raise StorageUnavailable(str(exc)) from exc
    except InvalidResponseError as exc:
        if (getattr(exc, "_code", 0) or 0) >= 500:
            raise StorageUnavailable(str(exc)) from exc
        raise StorageError(str(exc)) from exc
    except MinioException as exc:
        raise StorageError(str(exc)) from exc
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
        # After the retries, the last underlying failure ("Connection refused") says most.
        raise StorageUnavailable(str(getattr(exc, "reason", None) or exc)) from exc


def _ready() -> Minio:
    """The client, with the buckets ensured once per process."""
    if not _buckets_ready:
        buckets_ensure()
    return client()


def bucket_ensure(name: str, *, object_lock: bool) -> BucketStatus:
    """Create ``name`` when it is missing. An existing bucket is reported, never changed."""
    minio = client()
    with _translated():
        if minio.bucket_exists(name):
            return BucketStatus(name=name, exists=True, object_lock=_has_object_lock(name))
        try:
            minio.make_bucket(name, object_lock=object_lock)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
            # Another process created it between our two requests.
            return BucketStatus(name=name, exists=True, object_lock=_has_object_lock(name))
    return BucketStatus(name=name, exists=True, object_lock=object_lock, created=True)


def buckets_ensure() -> list[BucketStatus]:
    """The archive bucket (object lock, hence versioning) and the derived bucket."""
    global _buckets_ready
    with _ensure_lock:
        statuses = [
            bucket_ensure(settings.S3_ARCHIVE_BUCKET, object_lock=True),
            bucket_ensure(settings.S3_DERIVED_BUCKET, object_lock=False),
        ]
        _buckets_ready = True
    return statuses


def bucket_status(name: str) -> BucketStatus:
    """Whether ``name`` exists and has object lock, without creating anything."""
    minio = client()
    with _translated():
        if not minio.bucket_exists(name):
            return BucketStatus(name=name, exists=False, object_lock=False)
    return BucketStatus(name=name, exists=True, object_lock=_has_object_lock(name))


def _has_object_lock(name: str) -> bool:
    try:
        with _translated():
            client().get_object_lock_config(name)
    except ObjectNotFound:
        return False
    except StorageError as exc:
        if "ObjectLockConfigurationNotFound" in str(exc):
            return False
        raise
    return True


def list_buckets() -> list[str]:
    """Names of the buckets the credentials can see (a cheap authenticated round trip)."""
    with _translated():
        return [bucket.name for bucket in client().list_buckets()]


@dataclass(frozen=True)
class ListedVersion:
    key: str
    version_id: str
    size: int
    is_latest: bool
    is_delete_marker: bool
    last_modified: datetime | None = None


def list_versions(bucket: str) -> Iterator[ListedVersion]:
    """Every object version in ``bucket`` (every object, when it is not versioned)."""
    minio = _ready()
    with _translated():
        for item in minio.list_objects(bucket, recursive=True, include_version=True):
            version = "" if item.version_id in (None, "null") else item.version_id
            # Unversioned buckets list one object per key, the current one.
            latest = not version or str(item.is_latest).lower() == "true"
            yield ListedVersion(
                key=item.object_name,
                version_id=version,
                size=item.size or 0,
                is_latest=latest,
                is_delete_marker=bool(item.is_delete_marker),
                last_modified=item.last_modified,
            )


def put(
    bucket: str,
    key: str,
    *,
    data: BinaryIO,
    length: int,
    content_type: str,
    retention_until: datetime | None = None,
    legal_hold: bool = False,
) -> PutResult:
    """Stream ``length`` bytes from ``data`` to ``bucket/key``.

    ``retention_until`` puts the new version under COMPLIANCE retention in the same request,
    so there is no moment when an archival version exists unprotected.
    """
    minio = _ready()
    retention = Retention(COMPLIANCE, retention_until) if retention_until else None
    with _translated():
        result = minio.put_object(
            bucket,
            key,
            data,
            length,
            content_type=content_type,
            retention=retention,
            legal_hold=legal_hold,
            part_size=max(PART_SIZE, _min_part_size(length)),
        )
    return PutResult(bucket=bucket, key=key, version_id=result.version_id, etag=result.etag)


def _min_part_size(length: int) -> int:
    # S3 allows at most 10,000 parts: past 160 GB, parts must be larger than PART_SIZE.
    return -(-length // 10_000)


class ObjectStream:
    """The bytes of one object version as an iterator of chunks; close() releases the socket."""

    def __init__(self, response, chunk_size: int) -> None:
        self._response = response
        self._chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        try:
            with _translated():
                yield from self._response.stream(self._chunk_size)
        finally:
            self.close()

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response.release_conn()
            self._response = None

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def get(
    bucket: str, key: str, *, version_id: str | None = None, chunk_size: int = CHUNK_SIZE
) -> ObjectStream:
    """Open ``bucket/key`` (a given version, or the latest) for streaming."""
    minio = _ready()
    with _translated():
        response = minio.get_object(bucket, key, version_id=version_id)
    return ObjectStream(response, chunk_size)


def stat(bucket: str, key: str, *, version_id: str | None = None) -> ObjectInfo:
    minio = _ready()
    with _translated():
        info = minio.stat_object(bucket, key, version_id=version_id)
    headers = {name.lower(): value for name, value in (info.metadata or {}).items()}
    until = headers.get("x-amz-object-lock-retain-until-date")
    return ObjectInfo(
        bucket=bucket,
        key=key,
        version_id=info.version_id,
        size=info.size or 0,
        content_type=info.content_type or "",
        etag=info.etag or "",
        retention_until=datetime.fromisoformat(until) if until else None,
        legal_hold=headers.get("x-amz-object-lock-legal-hold", "").upper() == "ON",
    )


def presigned_get_url(
    bucket: str,
    key: str,
    *,
    version_id: str | None,
    expires: timedelta,
    download_name: str | None = None,
    content_type: str | None = None,
) -> str:
    """A time-limited GET URL for one object version; no request is made to the server.

    ``download_name`` makes browsers save the file under that name instead of its key.
    """
    overrides = {}
    if download_name:
        overrides["response-content-disposition"] = (
            f"attachment; filename*=UTF-8''{quote(download_name, safe='')}"
        )
    if content_type:
        overrides["response-content-type"] = content_type
    minio = _signing_client()
    with _translated():
        return minio.presigned_get_object(
            bucket, key, expires=expires, version_id=version_id, response_headers=overrides
        )


def set_retention(bucket: str, key: str, *, version_id: str | None, until: datetime) -> None:
    """Put a version under COMPLIANCE retention until ``until`` (the server refuses shortening)."""
    minio = _ready()
    with _translated(protected_op=True):
        minio.set_object_retention(bucket, key, Retention(COMPLIANCE, until), version_id=version_id)


def set_legal_hold(bucket: str, key: str, *, version_id: str | None, on: bool) -> None:
    minio = _ready()
    with _translated(protected_op=True):
        if on:
            minio.enable_object_legal_hold(bucket, key, version_id=version_id)
        else:
            minio.disable_object_legal_hold(bucket, key, version_id=version_id)


def remove(bucket: str, key: str, *, version_id: str | None = None) -> None:
    """Delete an object version. For the derived bucket and tests only.

    Evidence in the archive bucket is protected by the server's object lock, not by this
    function: a locked version raises ObjectProtected.
    """
    minio = _ready()
    with _translated(protected_op=True):
        minio.remove_object(bucket, key, version_id=version_id)
