"""The object store's disk is full: a photo upload answers 503 with a message that says
nothing was saved, and nothing is recorded — no photo, no stored-file row, no ledger entry.
Then, with room again (a bigger store), the same upload goes through."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from inspections.models import Photo
from ledger.models import LedgerEntry
from storage import gateway
from storage.models import StoredObject
from tests.faults.small_s3 import fill, small_s3
from tests.inspections import photos
from tests.inspections.test_photos import upload


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["volume-limit", "tmpfs"])
def test_a_photo_upload_to_a_full_object_store_answers_503_and_records_nothing(
    kind, api_as, project, tree
):
    client = api_as("alice")
    with (
        small_s3(kind) as server,
        override_settings(
            S3_ENDPOINT=server.endpoint,
            S3_ACCESS_KEY=server.access_key,
            S3_SECRET_KEY=server.secret_key,
        ),
    ):
        gateway.buckets_ensure()
        assert fill(settings.S3_ARCHIVE_BUCKET) > 0  # it took some, then was full
        counts = (Photo.objects.count(), StoredObject.objects.count(), LedgerEntry.objects.count())

        response = upload(client, project, tree["lot"], photos.named(photos.jpeg(), "full.jpg"))

        assert response.status_code == 503, response.content
        assert response.json() == {
            "detail": "The file store is unavailable, so nothing was saved."
            " Please try again in a few minutes.",
            "code": "storage_unavailable",
        }
        assert response["Retry-After"] == "60"
        assert (
            Photo.objects.count(),
            StoredObject.objects.count(),
            LedgerEntry.objects.count(),
        ) == counts
    gateway.reset()
    # The session's store has room: the same upload is taken.
    response = upload(client, project, tree["lot"], photos.named(photos.jpeg(), "full.jpg"))
    assert response.status_code == 201, response.content
