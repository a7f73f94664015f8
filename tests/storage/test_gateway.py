"""The gateway speaks in the archive's own errors, never minio's."""

import io
import uuid

import pytest
from django.test import override_settings

from storage import gateway
from storage.errors import CredentialsRejected, ObjectNotFound, StorageMisconfigured

pytestmark = pytest.mark.usefixtures("fresh_gateway")


def test_a_missing_key_is_not_found(settings):
    with pytest.raises(ObjectNotFound):
        gateway.stat(settings.S3_DERIVED_BUCKET, f"missing/{uuid.uuid4()}")
    with pytest.raises(ObjectNotFound):
        gateway.get(settings.S3_DERIVED_BUCKET, f"missing/{uuid.uuid4()}")


def test_a_missing_version_is_not_found(settings):
    key = f"versions/{uuid.uuid4()}"
    gateway.put(
        settings.S3_ARCHIVE_BUCKET, key, data=io.BytesIO(b"x"), length=1, content_type="text/plain"
    )
    with pytest.raises(ObjectNotFound):
        gateway.stat(settings.S3_ARCHIVE_BUCKET, key, version_id="0" * 32)


def test_a_wrong_secret_is_rejected_credentials(settings):
    with override_settings(S3_SECRET_KEY="not-the-secret"), pytest.raises(CredentialsRejected):
        gateway.stat(settings.S3_DERIVED_BUCKET, "anything")


def test_an_endpoint_with_a_scheme_is_refused_before_any_request():
    with (
        override_settings(S3_ENDPOINT="https://s3.example.com"),
        pytest.raises(StorageMisconfigured, match="host:port"),
    ):
        gateway.client()
