"""Reading stored files back: exact bytes, verified, and presigned downloads."""

import hashlib
import io
import time
import urllib.error
import urllib.request

import pytest

from storage import gateway
from storage.errors import IntegrityFailure
from storage.selectors import object_download_url, object_read, object_read_bytes
from storage.services import object_store
from tests.storage import samples

pytestmark = pytest.mark.django_db


def test_reading_returns_the_exact_bytes_in_chunks(supervisor):
    data = samples.png((512, 512))  # noise: about 800 KB, several chunks
    obj = object_store(fileobj=samples.named(data, "plan.png"), user=supervisor, archival=True)
    chunks = list(object_read(obj=obj))
    assert len(chunks) > 1
    assert b"".join(chunks) == data


def test_reading_detects_bytes_changed_in_the_object_store(supervisor):
    thumb = object_store(
        fileobj=samples.named(samples.png(), "thumb.png"), user=None, archival=False
    )
    other = samples.png()
    gateway.put(
        thumb.bucket, thumb.key, data=io.BytesIO(other), length=len(other), content_type="image/png"
    )
    with pytest.raises(IntegrityFailure, match=thumb.sha256):
        object_read_bytes(obj=thumb)
    # Without verification the changed bytes come back as they are.
    assert b"".join(object_read(obj=thumb, verify=False)) == other


def test_reading_detects_a_record_whose_hash_was_changed(supervisor):
    evidence = object_store(
        fileobj=samples.named(samples.jpeg(), "a.jpg"), user=supervisor, archival=True
    )
    type(evidence).objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    evidence.refresh_from_db()
    with pytest.raises(IntegrityFailure):
        object_read_bytes(obj=evidence)


def test_a_presigned_url_downloads_the_exact_bytes(supervisor):
    data = samples.jpeg()
    obj = object_store(fileobj=samples.named(data, "a.jpg"), user=supervisor, archival=True)
    url = object_download_url(obj=obj)
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
        assert hashlib.sha256(response.read()).hexdigest() == obj.sha256


@pytest.mark.slow
def test_a_presigned_url_stops_working_when_it_expires(supervisor):
    obj = object_store(
        fileobj=samples.named(samples.jpeg(), "a.jpg"), user=supervisor, archival=True
    )
    url = object_download_url(obj=obj, expires_seconds=1)
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        assert response.status == 200
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)  # noqa: S310
    assert refused.value.code == 403


def test_a_presigned_download_is_saved_under_the_original_file_name(supervisor):
    obj = object_store(
        fileobj=samples.named(samples.pdf(), "检测报告 7.pdf"), user=supervisor, archival=True
    )
    with urllib.request.urlopen(object_download_url(obj=obj), timeout=5) as response:  # noqa: S310
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename*=UTF-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A%207.pdf"
        )


def test_presigned_urls_are_signed_for_the_name_browsers_use(supervisor, settings, s3_server):
    obj = object_store(fileobj=samples.named(samples.jpeg(), "a.jpg"), user=None, archival=True)
    settings.S3_PUBLIC_ENDPOINT = f"http://localhost:{s3_server.s3_port}"
    url = object_download_url(obj=obj)
    assert url.startswith(f"http://localhost:{s3_server.s3_port}/")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        assert hashlib.sha256(response.read()).hexdigest() == obj.sha256
