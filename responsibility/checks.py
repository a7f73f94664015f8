from pathlib import Path

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


@register()
def long_term_signing_check(app_configs, **kwargs):
    """A TSA whose answers cannot be validated, or trust roots that cannot be read, would
    refuse every signature at the moment a lead signs: say so at start-up instead."""
    errors = []
    if settings.TSA_URL and not (settings.TSA_TRUST_ROOTS or settings.SIGNING_TRUST_ROOTS):
        errors.append(
            Error(
                "TSA_URL is set but no trust root is given for the time-stamping authority.",
                hint="Set TSA_TRUST_ROOTS to the PEM root certificate(s) of the TSA.",
                id="responsibility.E002",
            )
        )
    for name in ("SIGNING_TRUST_ROOTS", "TSA_TRUST_ROOTS"):
        for path in getattr(settings, name):
            if not Path(path).is_file():
                errors.append(
                    Error(
                        f"{name} names {path}, which is not a readable file.",
                        hint="Give comma-separated paths of PEM root certificates.",
                        id="responsibility.E003",
                    )
                )
    return errors


@register(Tags.security, deploy=True)
def long_term_signing_deploy_check(app_configs, **kwargs):
    warnings = []
    if not settings.TSA_URL:
        warnings.append(
            Warning(
                "Letters and pledges are signed PAdES B-B only: no time-stamping authority.",
                hint="Set TSA_URL (and TSA_TRUST_ROOTS) to an RFC 3161 time-stamping"
                " authority, and SIGNING_TRUST_ROOTS to the CA of the archive's certificate,"
                " so documents are signed PAdES B-LTA and stay verifiable for decades.",
                id="responsibility.W002",
            )
        )
    if _issued_by_demo_pki(settings.ARCHIVE_SIGNING_CERT) or _names_demo_tsa(settings.TSA_URL):
        warnings.append(
            Warning(
                "Documents are signed under the DEMO PKI of `make run` (demo_pki.py).",
                hint="Its root is made on this machine and is trusted nowhere else: set the"
                " archive's own certificate and a real TSA.",
                id="responsibility.W003",
            )
        )
    return warnings


def _issued_by_demo_pki(pem: str) -> bool:
    from cryptography import x509

    try:
        issuer = x509.load_pem_x509_certificate(pem.encode()).issuer.rfc4514_string()
    except ValueError:
        return False
    return "DEMO PKI" in issuer


def _names_demo_tsa(url: str) -> bool:
    from responsibility.demo_pki import ARCH

    return f"/{ARCH}/tsa/" in url
