"""Django upload handlers: a size limit on the whole request, and hashing as bytes arrive.

``RequestSizeLimitHandler`` comes first: a multipart body whose ``Content-Length`` is over
``UPLOAD_REQUEST_MAX_BYTES`` is refused before any of it is read, so a client sending 60 MB
learns at once, not after the upload, that it will not be taken.

A photo's SHA-256 is then known when the request reaches the view, with no second pass over
the file (``storage.validation.file_sha256`` uses it). They are Django's own two handlers —
small requests in memory, larger ones spooled to a temporary file — with the hashing added
and a larger chunk, which also means fewer trips through the multipart parser's loop.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.utils.translation import gettext as _

from storage.validation import size_text

CHUNK_SIZE = 1024 * 1024


class RequestTooLarge(RequestDataTooBig):
    """The request declared a body larger than ``UPLOAD_REQUEST_MAX_BYTES``. The API answers
    413 with this message (config/api.py); a page answers Django's 400."""

    def __init__(self, *, declared: int, limit: int) -> None:
        self.message = _(
            "This request is %(size)s; the largest accepted is %(limit)s. Send smaller files,"
            " or fewer in one request."
        ) % {"size": size_text(declared), "limit": size_text(limit)}
        super().__init__(self.message)


class RequestSizeLimitHandler(FileUploadHandler):
    """Refuses a multipart body by its declared length before a byte of it is read; passes
    everything else on to the next handler."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = settings.UPLOAD_REQUEST_MAX_BYTES
        if content_length > limit:
            raise RequestTooLarge(declared=content_length, limit=limit)

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class _Hashing:
    chunk_size = CHUNK_SIZE

    def new_file(self, *args, **kwargs):
        # Before super(), which ends the chain here when this handler keeps the file.
        self.sha256 = hashlib.sha256()
        super().new_file(*args, **kwargs)

    def keeps_file(self) -> bool:
        return True

    def receive_data_chunk(self, raw_data, start):
        if self.keeps_file():
            self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.received_sha256 = self.sha256.hexdigest()
        return uploaded


class HashingMemoryFileUploadHandler(_Hashing, MemoryFileUploadHandler):
    def keeps_file(self) -> bool:
        return self.activated  # else the request is too large and the next handler keeps it


class HashingTemporaryFileUploadHandler(_Hashing, TemporaryFileUploadHandler):
    pass
