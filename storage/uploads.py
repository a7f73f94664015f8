"""Django upload handlers that hash each file as its bytes arrive.

A photo's SHA-256 is then known when the request reaches the view, with no second pass over
the file (``storage.validation.file_sha256`` uses it). They are Django's own two handlers —
small requests in memory, larger ones spooled to a temporary file — with the hashing added
and a larger chunk, which also means fewer trips through the multipart parser's loop.
"""

from __future__ import annotations

import hashlib

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

CHUNK_SIZE = 1024 * 1024


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
