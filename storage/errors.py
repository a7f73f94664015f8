"""The object-store gateway's own errors: nothing outside storage/ sees minio's."""


class StorageError(Exception):
    """Something went wrong talking to the object store."""


class StorageUnavailable(StorageError):
    """The object store could not be reached or answered with a server error."""


class ObjectProtected(StorageError):
    """The object store refused to delete or change an object under retention or legal hold."""


class IntegrityFailure(StorageError):
    """The bytes read back do not match the SHA-256 recorded when they were stored."""
