"""The object-store gateway's own errors: nothing outside storage/ sees minio's."""

from django.core.exceptions import ImproperlyConfigured


class StorageError(Exception):
    """Something went wrong talking to the object store."""


class StorageUnavailable(StorageError):
    """The object store could not be reached or answered with a server error."""


class StorageMisconfigured(StorageError, ImproperlyConfigured):
    """The S3_* settings cannot describe a working object store (e.g. a malformed endpoint)."""


class CredentialsRejected(StorageError):
    """The object store refused the configured access key or secret, or did not let that
    user do what was asked."""


class ObjectProtected(StorageError):
    """The object store refused to delete or change an object under retention or legal hold."""


class ObjectNotFound(StorageError):
    """The bucket, key or version asked for does not exist in the object store."""


class IntegrityFailure(StorageError):
    """The bytes read back do not match the SHA-256 recorded when they were stored."""
