"""Personal data at rest: encryption, a keyed blind index for lookups, and masking.

Plain ID numbers and phone numbers are never stored; only their ciphertext (MultiFernet over
``settings.PII_ENCRYPTION_KEYS`` — the first key encrypts, all decrypt, so keys can rotate),
an HMAC-SHA256 index for finding and de-duplicating ID numbers, and a masked form to show.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def encrypt(plain: str) -> str:
    return _fernet(settings.PII_ENCRYPTION_KEYS).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    return _fernet(settings.PII_ENCRYPTION_KEYS).decrypt(token.encode("ascii")).decode("utf-8")


def blind_index(plain: str) -> str:
    """A keyed hash of a normalized value: equal values give equal indexes."""
    key = settings.PII_INDEX_KEY.encode("utf-8")
    return hmac.new(key, plain.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """``110105199001011234`` → ``110***********1234``: first 3 and last 4 characters."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
