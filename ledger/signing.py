"""The archive's Ed25519 checkpoint key, from settings.LEDGER_SIGNING_KEY (PKCS#8 PEM)."""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.lru_cache(maxsize=4)
def _load_private_key(pem: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            "LEDGER_SIGNING_KEY is not an unencrypted PKCS#8 PEM private key."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY must be an Ed25519 key.")
    return key


def signing_key() -> Ed25519PrivateKey:
    # Read on every call (the parse is cached) so a rotated or overridden key takes effect.
    return _load_private_key(settings.LEDGER_SIGNING_KEY)


def public_key_bytes() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


@dataclass(frozen=True)
class TrustedKey:
    public_key: bytes
    retired_at: datetime.datetime | None  # None: the current key, or retired at no known time


def trusted_keys() -> dict[str, TrustedKey]:
    """The current key and every retired one in LEDGER_RETIRED_PUBLIC_KEYS, by hex."""
    keys = {public_key_bytes().hex(): TrustedKey(public_key_bytes(), None)}
    for item in settings.LEDGER_RETIRED_PUBLIC_KEYS:
        hex_key, _sep, retired = item.partition("@")
        try:
            public_key = bytes.fromhex(hex_key)
            Ed25519PublicKey.from_public_bytes(public_key)
            retired_at = (
                datetime.datetime.fromisoformat(retired.replace("Z", "+00:00")) if retired else None
            )
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"LEDGER_RETIRED_PUBLIC_KEYS: {item!r} is not HEX or HEX@ISO-8601-time of a raw"
                " Ed25519 public key."
            ) from exc
        if retired_at is not None and retired_at.tzinfo is None:
            raise ImproperlyConfigured(f"LEDGER_RETIRED_PUBLIC_KEYS: {item!r} needs a time zone.")
        keys.setdefault(public_key.hex(), TrustedKey(public_key, retired_at))
    return keys


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def sign(message: bytes) -> bytes:
    return signing_key().sign(message)


def signature_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
