"""The archive's own PAdES signature on every signed letter and pledge (pyHanko).

Production supplies ARCHIVE_SIGNING_CERT and ARCHIVE_SIGNING_KEY (PEM, or *_FILE paths),
issued by a CA whose root is SIGNING_TRUST_ROOTS, and a time-stamping authority (TSA_URL,
TSA_TRUST_ROOTS): documents are then signed PAdES B-LTA (ETSI EN 319 142) — the signature
timestamped, the certificates and OCSP/CRL answers embedded in a DSS, a document timestamp
over all of it — and ``pdf_timestamp_add`` renews the document timestamp before its
certificate expires. Without TSA_URL they are signed B-B. Left empty, a self-signed
certificate and key are generated once into VAR_DIR/keys, which is enough for local use and
the tests: readers then show the signature intact but untrusted.

Every check (``pdf_signature_check``) is offline: the trust anchors and what the PDF carries.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.utils.translation import gettext as _
from pyhanko.keys import (
    load_certs_from_pemder,
    load_certs_from_pemder_data,
    load_private_key_from_pemder_data,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleCertificateStore, SimpleTrustManager

SIGNATURE_FIELD = "ArchiveSignature"


def _local_pair() -> tuple[bytes, bytes]:
    keys = Path(settings.VAR_DIR) / "keys"
    cert_path, key_path = keys / "archive_signing_cert.pem", keys / "archive_signing_key.pem"
    if not cert_path.exists():
        keys.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lifetime Quality Archive"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Lifetime Quality Archive (local)"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * 100))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_pem)
        # The certificate last: its presence means the pair is complete.
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path.read_bytes(), key_path.read_bytes()


@cache
def _pair() -> tuple[bytes, bytes]:
    if settings.ARCHIVE_SIGNING_CERT or settings.ARCHIVE_SIGNING_KEY:  # both: responsibility.E001
        return settings.ARCHIVE_SIGNING_CERT.encode(), settings.ARCHIVE_SIGNING_KEY.encode()
    return _local_pair()


@cache
def _signer() -> signers.SimpleSigner:
    cert_pem, key_pem = _pair()
    chain = list(load_certs_from_pemder_data(cert_pem))
    return signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        # Intermediates given after the certificate travel in the signature.
        cert_registry=SimpleCertificateStore.from_certs(chain[1:] + _signing_roots()),
    )


@cache
def _certificate():
    cert_pem, _ = _pair()
    return next(iter(load_certs_from_pemder_data(cert_pem)))


def _load_roots(paths: list[str]) -> list:
    roots = []
    for path in paths:
        roots.extend(load_certs_from_pemder([path]))
    return roots


@cache
def _signing_roots() -> list:
    """The anchors of the archive's certificate: SIGNING_TRUST_ROOTS, or else the
    certificate itself (the local self-signed pair)."""
    configured = _load_roots(settings.SIGNING_TRUST_ROOTS)
    if not configured:
        return [_certificate()]
    # Documents signed earlier with the local self-signed pair (before a CA-issued
    # certificate was configured, e.g. an older `make run`) stay verifiable.
    local = Path(settings.VAR_DIR) / "keys" / "archive_signing_cert.pem"
    return configured + (_load_roots([str(local)]) if local.exists() else [])


@cache
def _tsa_roots() -> list:
    return _load_roots(settings.TSA_TRUST_ROOTS)


def trust_roots() -> list:
    """Every anchor a signed PDF of this archive is checked against: the signer's and the
    time-stamping authority's."""
    return _signing_roots() + _tsa_roots()


_SETTINGS = {
    "ARCHIVE_SIGNING_CERT",
    "ARCHIVE_SIGNING_KEY",
    "SIGNING_TRUST_ROOTS",
    "TSA_TRUST_ROOTS",
}


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    """The pair and the anchors are read once; a changed setting (tests) reads them again."""
    if setting in _SETTINGS:
        for cached in (_pair, _signer, _certificate, _signing_roots, _tsa_roots):
            cached.cache_clear()


def long_term() -> bool:
    """Documents are signed PAdES B-LTA when a time-stamping authority is configured."""
    return bool(settings.TSA_URL)


class SigningUnavailable(Exception):
    """The archive cannot make a long-term signature now: the time-stamping authority or
    the revocation service did not answer, or the archive's certificate is not valid.
    Nothing was signed; the message says why, in the request's language."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


def _online_context() -> ValidationContext:
    """Checks the signer and the TSA now, fetching OCSP/CRL answers that go into the DSS.
    Any revocation source that does not answer fails the check (hard-fail)."""
    return ValidationContext(
        trust_roots=trust_roots(),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=settings.TSA_TIMEOUT_SECONDS),
    )


def _timestamper() -> timestamps.HTTPTimeStamper:
    return timestamps.HTTPTimeStamper(settings.TSA_URL, timeout=settings.TSA_TIMEOUT_SECONDS)


def pdf_sign(pdf: bytes, *, reason: str) -> bytes:
    """Return ``pdf`` with the archive's PAdES signature appended as an incremental update:
    B-LTA (signature timestamp, validation material in a DSS, document timestamp) when
    TSA_URL is set, else B-B. Raises SigningUnavailable when B-LTA cannot be reached."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    lta = long_term()
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=lta,
        use_pades_lta=lta,
        validation_context=_online_context() if lta else None,
    )
    with _refusals():
        signers.sign_pdf(
            writer,
            metadata,
            signer=_signer(),
            timestamper=_timestamper() if lta else None,
            output=out,
        )
    return out.getvalue()


def pdf_timestamp_add(pdf: bytes) -> bytes:
    """Return ``pdf`` with the TSA's certificate status added to the DSS and a fresh
    document timestamp over everything, so the previous timestamps stay provable after
    their TSA certificate expires (PAdES B-LTA's archive timestamp)."""
    if not long_term():
        raise SigningUnavailable(
            _("No time-stamping authority is configured (TSA_URL), so no timestamp was added."),
            transient=False,
        )
    out = io.BytesIO()
    with _refusals():
        PdfTimeStamper(_timestamper()).update_archival_timestamp_chain(
            PdfFileReader(io.BytesIO(pdf), strict=False), _online_context(), output=out
        )
    return out.getvalue()


@contextmanager
def _refusals():
    """pyHanko's and the network's failures as one SigningUnavailable a person can read."""
    try:
        yield
    except SigningUnavailable:
        raise
    except (PathValidationError, InvalidCertificateError) as exc:
        _refuse_certificate(exc)
    except SigningError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, (PathValidationError, InvalidCertificateError)):
            _refuse_certificate(cause)
        _refuse_unreachable(exc)
    except (TimestampRequestError, OSError, requests.RequestException) as exc:
        _refuse_unreachable(exc)


def _refuse_certificate(exc: Exception):
    if isinstance(exc, RevokedError):
        raise SigningUnavailable(
            _(
                "The certificate the archive signs with has been revoked, so nothing was"
                " signed or recorded. The operator must install a new certificate."
            ),
            transient=False,
        ) from exc
    if _unreachable(exc):
        _refuse_unreachable(exc)
    raise SigningUnavailable(
        _(
            "The archive's signing or time-stamping certificate could not be validated"
            " (%(reason)s), so nothing was signed or recorded. The operator must check the"
            " certificates and their trust roots."
        )
        % {"reason": str(exc)[:200]},
        transient=False,
    ) from exc


def _unreachable(exc: Exception) -> bool:
    """A path that failed only because a revocation source did not answer."""
    text = str(exc).lower()
    return any(
        word in text
        for word in ("no revocation information", "fetch", "connect", "unreachable", "timed out")
    )


def _refuse_unreachable(exc: Exception):
    raise SigningUnavailable(
        _(
            "The time-stamping authority or the certificate status service did not"
            " answer (%(reason)s), so nothing was signed or recorded. Please try again"
            " in a few minutes."
        )
        % {"reason": str(exc)[:200]}
    ) from exc


def last_timestamp_expiry(pdf: bytes) -> datetime.datetime | None:
    """When the certificate of the PDF's newest document timestamp expires (None: there is
    none). Before then a fresh one must be added (``pdf_timestamp_add``)."""
    stamps = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures
    return stamps[-1].signer_cert.not_valid_after if stamps else None


class Level:
    """PAdES baseline levels (ETSI EN 319 142-1), lowest first."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


@dataclass(frozen=True)
class SignatureCheck:
    intact: bool
    trusted: bool
    covers_whole_file: bool
    level: str | None = None  # the PAdES level proven offline; None when not valid
    timestamps: int = 0  # document timestamps after the signature
    last_timestamp_tsa_expires: datetime.datetime | None = None


def _archive_signature(reader: PdfFileReader):
    regular = reader.embedded_regular_signatures
    named = [sig for sig in regular if sig.field_name == SIGNATURE_FIELD]
    return (named or regular or [None])[-1]


def pdf_signature_check(
    pdf: bytes, *, moment: datetime.datetime | None = None
) -> SignatureCheck | None:
    """The archive signature's state and the PAdES level it reaches, checked offline with
    the material inside the PDF (nothing is fetched); None when the file carries no
    signature at all. ``moment``: validate as at that time (default now).

    A long-term signature stays trusted after the signing certificate (and the first
    timestamps' certificates) expired: its trust then comes from the ETSI EN 319 102-1
    long-term validation over the chain of document timestamps.

    Raises ValueError (or a pyHanko error) when the file cannot be read as a PDF.
    """
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signature = _archive_signature(reader)
    if signature is None:
        return None
    offline = _offline_context(reader, moment)
    status = validate_pdf_signature(signature, offline, ts_validation_context=offline)
    intact = bool(status.intact and status.valid)
    # A long-term signature is followed by DSS and document-timestamp updates only.
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES
    )
    stamps = reader.embedded_timestamp_signatures
    long_term = (
        intact
        and whole
        and bool(stamps)
        and _timestamps_intact(stamps, offline)
        and _newest_timestamp_current(stamps[-1], moment)
        and _long_term_valid(signature, stamps[-1])
    )
    trusted = bool(status.trusted) or long_term
    level = None
    if intact and trusted and whole:
        level = Level.B_LTA if long_term else _short_term_level(status, reader)
    return SignatureCheck(
        intact=intact,
        trusted=trusted,
        covers_whole_file=whole,
        level=level,
        timestamps=len(stamps),
        last_timestamp_tsa_expires=stamps[-1].signer_cert.not_valid_after if stamps else None,
    )


def _offline_context(
    reader: PdfFileReader, moment: datetime.datetime | None = None
) -> ValidationContext:
    """The trust anchors plus the certificates and OCSP/CRL answers in the PDF's DSS; no
    fetching."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, KeyError, ValueError):
        dss = None
    kwargs = {"trust_roots": trust_roots(), "allow_fetching": False}
    if moment is not None:
        kwargs["moment"] = moment
    if dss is None:
        return ValidationContext(**kwargs)
    return dss.as_validation_context(kwargs)


def _short_term_level(status, reader) -> str:
    timestamped = status.timestamp_validity is not None and (
        status.timestamp_validity.intact and status.timestamp_validity.trusted
    )
    if not timestamped:
        return Level.B_B
    try:
        DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, KeyError, ValueError):
        return Level.B_T
    return Level.B_LT


def _newest_timestamp_current(stamp, moment: datetime.datetime | None) -> bool:
    """The evidence record holds while its newest timestamp's certificate has not expired
    (ETSI EN 319 102-1, 5.6.3; its chain and revocation status were checked by the long-term
    validation): after that the chain has lapsed."""
    return stamp.signer_cert.not_valid_after > (moment or datetime.datetime.now(datetime.UTC))


def _stamp_time(stamp) -> datetime.datetime:
    """The time a document timestamp's TSA vouches for (its TSTInfo genTime)."""
    return stamp.signed_data["encap_content_info"]["content"].parsed["gen_time"].native


def _timestamps_intact(stamps, context) -> bool:
    """Every document timestamp matches the bytes it covers (its trust over time is the
    long-term validation's business)."""
    for stamp in stamps:
        stamp_status = validate_pdf_timestamp(stamp, validation_context=context)
        if not (stamp_status.intact and stamp_status.valid):
            return False
    return True


def _lta_spec() -> PdfSignatureValidationSpec:
    """ETSI EN 319 102-1 validation against the archive's anchors with revocation information
    required and nothing fetched: only what the PDF carries (DSS, document timestamps)."""
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=trust_roots()),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )


def _long_term_valid(signature, newest_stamp) -> bool:
    """The signature validated with the long-term (LTA) process of ETSI EN 319 102-1 as of
    the newest document timestamp: what the evidence record proves. That the newest
    timestamp still stands (its certificate unexpired) is ``_newest_timestamp_current``;
    offline, nobody can have fresher revocation information about it."""
    when = _stamp_time(newest_stamp)
    timing = ValidationTimingInfo(
        validation_time=when, best_signature_time=when, point_in_time_validation=True
    )
    try:
        result = asyncio.run(ades_lta_validation(signature, _lta_spec(), timing_info=timing))
    except Exception:  # noqa: BLE001 - malformed material proves nothing: not long-term
        return False
    return result.ades_subindic.status == AdESStatus.PASSED
