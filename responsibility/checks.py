from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def archive_signing_pair_check(app_configs, **kwargs):
    """A certificate without its key (or the reverse) would silently fall back to the local
    self-signed pair; refuse instead."""
    if bool(settings.ARCHIVE_SIGNING_CERT) == bool(settings.ARCHIVE_SIGNING_KEY):
        return []
    return [
        Error(
            "Only one of ARCHIVE_SIGNING_CERT and ARCHIVE_SIGNING_KEY is set.",
            hint="Set both (PEM, or *_FILE paths), or neither for the local self-signed pair.",
            id="responsibility.E001",
        )
    ]


@register(Tags.security, deploy=True)
def archive_signing_deploy_check(app_configs, **kwargs):
    if settings.ARCHIVE_SIGNING_CERT:
        return []
    return [
        Warning(
            "Letters and pledges are signed with a self-signed certificate generated locally.",
            hint="Set ARCHIVE_SIGNING_CERT_FILE and ARCHIVE_SIGNING_KEY_FILE to the archive's"
            " document-signing certificate and key, so PDF readers can trust the signature.",
            id="responsibility.W001",
        )
    ]
