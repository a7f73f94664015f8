"""Checks for the codes that identify parties and people, as pure functions.

Each validator normalizes its input (strip, upper case) and returns the normalized value,
or raises ``ValidationError`` with a message that says exactly what is wrong.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# GB 32100-2015: the 31 characters of a unified social credit code (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# First character: the registration authority (登记管理部门代码).
CREDIT_CODE_AUTHORITIES = "123456789ANY"

# GB 11643-1999, ISO 7064 MOD 11-2.
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK_CHARS = "10X98765432"

REGION_CODE_RE = re.compile(r"^[1-9]\d{5}$")


def _require_length(value: str, length: int, what: str) -> None:
    if len(value) != length:
        raise ValidationError(
            _("%(what)s must be %(length)d characters, got %(got)d.")
            % {"what": what, "length": length, "got": len(value)},
            code="length",
        )


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> str:
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    code = normalize_credit_code(value)
    what = _("A unified social credit code")
    _require_length(code, 18, what)
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_ALPHABET:
            raise ValidationError(
                _(
                    "Character %(position)d ('%(char)s') is not allowed in a unified social"
                    " credit code: only digits and capital letters except I, O, S, V and Z."
                )
                % {"position": position, "char": char},
                code="character",
            )
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise ValidationError(
            _(
                "The 1st character '%(char)s' is not a registration authority code"
                " (one of 1–9, A, N, Y)."
            )
            % {"char": code[0]},
            code="authority",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 must be an administrative region code of six digits,"
                " got '%(region)s'."
            )
            % {"region": code[2:8]},
            code="region",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The 18th character should be '%(expected)s' — check the code for a typing mistake.")
            % {"expected": expected},
            code="checksum",
        )
    return code


def id_number_check_char(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are given."""
    total = sum(int(char) * weight for char, weight in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return ID_NUMBER_CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Validate an 18-character resident ID number (公民身份号码, GB 11643-1999)."""
    number = normalize_id_number(value)
    what = _("A resident ID number")
    _require_length(number, 18, what)
    if not number[:17].isdigit():
        raise ValidationError(
            _("The first 17 characters of a resident ID number must be digits."),
            code="character",
        )
    if not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("The 18th character of a resident ID number must be a digit or X."),
            code="character",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("Characters 7 to 14 should be a date of birth (YYYYMMDD), got '%(date)s'.")
            % {"date": number[6:14]},
            code="birth_date",
        ) from None
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(
            _("The date of birth %(date)s is in the future.") % {"date": birth.isoformat()},
            code="birth_date",
        )
    if birth.year < 1900:
        raise ValidationError(
            _("The date of birth %(date)s is before 1900.") % {"date": birth.isoformat()},
            code="birth_date",
        )
    expected = id_number_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _(
                "The 18th character should be '%(expected)s' — check the number for a typing"
                " mistake."
            )
            % {"expected": expected},
            code="checksum",
        )
    return number


def validate_region_code(value: str) -> str:
    """A six-digit administrative region code (行政区划代码), e.g. 330108."""
    code = (value or "").strip()
    if not REGION_CODE_RE.match(code):
        raise ValidationError(
            _("An administrative region code is six digits not starting with 0, got '%(code)s'.")
            % {"code": code},
            code="region",
        )
    return code


def region_covers(outer: str, inner: str) -> bool:
    """Whether region ``outer`` contains region ``inner``: 330000 covers 33xxxx, 330100
    covers 3301xx, and a district code covers only itself."""
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return inner == outer


def region_prefix(code: str) -> str:
    """The prefix every region inside ``code`` starts with."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code
