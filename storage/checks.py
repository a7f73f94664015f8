"""System checks for the object store, a misconfiguration a person can make.

Registered as deployment checks: plain ``manage.py check`` and ``makemigrations`` never talk
to the object store; ``manage.py check --deploy`` and ``manage.py storage_check`` do.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from storage import gateway
from storage.errors import CredentialsRejected, StorageError, StorageMisconfigured

# The secret config/settings.py and `make run` use when S3_SECRET_KEY is not set: it is in
# the archive's source, so anyone can use it.
LOCAL_SECRET_KEY = "lqa-local-secret"  # noqa: S105 - published on purpose


@checks.register(checks.Tags.security, deploy=True)
def local_credentials_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.S3_SECRET_KEY != LOCAL_SECRET_KEY:
        return []
    return [
        checks.Warning(
            _(
                "The object store is reached with the local default credentials"
                " (access key %(key)s), whose secret is published with the archive."
            )
            % {"key": settings.S3_ACCESS_KEY},
            hint=_(
                "Create a user for the archive on the object store and set S3_ACCESS_KEY and"
                " S3_SECRET_KEY (or S3_SECRET_KEY_FILE) to its credentials."
            ),
            id="storage.W001",
        )
    ]


@checks.register("storage", deploy=True)
def object_store_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        gateway.list_buckets()
    except StorageMisconfigured as exc:
        return [
            checks.Error(
                _("The object store endpoint is misconfigured: %(error)s") % {"error": exc},
                hint=_(
                    "Set S3_ENDPOINT to host:port only, e.g. minio.internal:9000 — no"
                    " http:// and no path; set S3_SECURE=1 for https."
                ),
                id="storage.E001",
            )
        ]
    except CredentialsRejected:
        return [
            checks.Error(
                _("The object store at %(endpoint)s rejected the access key %(key)s.")
                % {"endpoint": settings.S3_ENDPOINT, "key": settings.S3_ACCESS_KEY},
                hint=_(
                    "Check S3_ACCESS_KEY and S3_SECRET_KEY (or S3_SECRET_KEY_FILE) against"
                    " the object store's users."
                ),
                id="storage.E002",
            )
        ]
    except StorageError as exc:
        return [_unreachable(exc)]
    try:
        return _bucket_errors()
    except StorageError as exc:
        return [_unreachable(exc)]


def _unreachable(exc: StorageError) -> checks.CheckMessage:
    return checks.Error(
        _("The object store at %(endpoint)s cannot be reached: %(error)s")
        % {"endpoint": settings.S3_ENDPOINT, "error": exc},
        hint=_(
            "Start the object store, or fix S3_ENDPOINT and S3_SECURE; for local use,"
            " `make run` starts the embedded one."
        ),
        id="storage.E001",
    )


def _bucket_errors() -> list[checks.CheckMessage]:
    errors = []
    init_hint = _("Run `python manage.py storage_init` to create the missing buckets.")
    for name, needs_lock in (
        (settings.S3_ARCHIVE_BUCKET, True),
        (settings.S3_DERIVED_BUCKET, False),
    ):
        status = gateway.bucket_status(name)
        if not status.exists:
            errors.append(
                checks.Error(
                    _("The bucket %(bucket)s does not exist.") % {"bucket": name},
                    hint=init_hint,
                    id="storage.E003",
                )
            )
        elif needs_lock and not status.object_lock:
            errors.append(
                checks.Error(
                    _(
                        "The archive bucket %(bucket)s exists without object lock, so"
                        " evidence in it could be deleted or overwritten."
                    )
                    % {"bucket": name},
                    hint=_(
                        "Object lock can only be turned on when a bucket is created: set"
                        " S3_ARCHIVE_BUCKET to a new name and run"
                        " `python manage.py storage_init`, then copy the objects across."
                    ),
                    id="storage.E003",
                )
            )
    return errors


@checks.register("storage", deploy=True)
def pdf_fonts_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every font of the chain the PDFs embed is on the machine (storage/fonts.py)."""
    from storage.fonts import chain_spec

    return [
        checks.Error(
            _("The font %(path)s, which the archive's PDFs embed, is missing.")
            % {"path": font.path},
            hint=_(
                "Install %(package)s (scripts/system-deps.sh does) or set CJK_FONT_PATH and"
                " PDF_FALLBACK_FONTS to fonts that are there."
            )
            % {"package": font.package},
            id="storage.E004",
        )
        for font in chain_spec()
        if not Path(font.path).exists()
    ]
