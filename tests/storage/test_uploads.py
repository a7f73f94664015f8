"""The upload handlers hash each file while Django receives it."""

import hashlib
import os

import pytest
from django.test import RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from storage.validation import file_sha256
from tests.storage import samples


@pytest.mark.parametrize("size", [10_000, 3 * 1024 * 1024], ids=["in-memory", "spooled-to-disk"])
def test_each_uploaded_file_carries_the_sha256_of_the_bytes_received(size):
    first, second = os.urandom(size), os.urandom(size // 2)
    body = encode_multipart(
        BOUNDARY,
        {"files": [samples.named(first, "a.jpg"), samples.named(second, "b.jpg")]},
    )
    request = RequestFactory().generic("POST", "/", body, content_type=MULTIPART_CONTENT)
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=2 * 1024 * 1024):
        uploads = request.FILES.getlist("files")
    for upload, data in zip(uploads, (first, second), strict=True):
        assert upload.received_sha256 == hashlib.sha256(data).hexdigest()
        assert file_sha256(upload) == (hashlib.sha256(data).hexdigest(), len(data))
        assert upload.read() == data
