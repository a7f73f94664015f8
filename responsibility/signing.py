"""The archive's own PAdES signature on every signed letter and pledge (pyHanko).

Production supplies ARCHIVE_SIGNING_CERT and ARCHIVE_SIGNING_KEY (PEM, or *_FILE paths).
Left empty, a self-signed certificate and key are generated once into VAR_DIR/keys, which is
enough for local use and the tests: readers then show the signature intact but untrusted.
"""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

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
    _, key_pem = _pair()
    return signers.SimpleSigner(
        signing_cert=_certificate(),
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=None,
    )


@cache
def _certificate():
    cert_pem, _ = _pair()
    return next(iter(load_certs_from_pemder_data(cert_pem)))


def pdf_sign(pdf: bytes, *, reason: str) -> bytes:
    """Return ``pdf`` with the archive's PAdES signature appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            reason=reason,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=_signer(),
        output=out,
    )
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    intact: bool
    trusted: bool
    covers_whole_file: bool


def pdf_signature_check(pdf: bytes) -> SignatureCheck | None:
    """The archive signature's state, or None when the file carries no signature at all.

    Raises ValueError (or a pyHanko error) when the file cannot be read as a PDF.
    """
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return None
    context = ValidationContext(trust_roots=[_certificate()], allow_fetching=False)
    status = validate_pdf_signature(signatures[-1], context)
    return SignatureCheck(
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage.name == "ENTIRE_FILE",
    )
