"""The one way a stored file leaves the archive for a browser: a redirect to a presigned URL.

Every download endpoint checks the caller's access and then calls ``download_redirect``, so
every file link has the same lifetime (``S3_PRESIGNED_SECONDS``) and the same headers:
``Cache-Control: no-store`` (the redirect carries the right to read the file, so no cache
may keep it) and ``Referrer-Policy: no-referrer`` (the object store is not told which page
of the archive the file was opened from).
"""

from __future__ import annotations

from django.http import HttpResponseRedirect

from storage.models import StoredObject
from storage.selectors import object_download_url


def download_redirect(
    obj: StoredObject, *, download_name: str | None = None
) -> HttpResponseRedirect:
    """A 302 to a short-lived presigned URL of ``obj``'s exact version, saved by browsers as
    ``download_name`` (default: the original file name). Call it only after the access
    check: the URL itself carries the right to read."""
    response = HttpResponseRedirect(object_download_url(obj=obj, download_name=download_name))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
