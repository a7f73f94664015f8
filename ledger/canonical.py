"""Canonical bytes for records and ledger leaves.

The same record must hash the same on every machine, in every Python version, for decades:
JSON with sorted keys, no insignificant whitespace, UTF-8, and explicit encodings for the
types JSON lacks (dates as ISO 8601 in UTC, decimals as strings, bytes as hex).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from typing import Any

from django.db import models


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a ledgered record")
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot put {type(value).__name__} in canonical JSON")


def canonical_value(value: Any) -> Any:
    """``value`` as it reads back from its canonical JSON (a datetime as its text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return _default(value)


def canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_content(instance: models.Model) -> dict[str, Any]:
    """Every concrete column of a row, by column name (so foreign keys are their ids), as the
    database will give it back: a record hashed when written must hash the same when read."""
    return {
        field.attname: _as_stored(field, field.value_from_object(instance))
        for field in instance._meta.concrete_fields
    }


def _as_stored(field: models.Field, value: Any) -> Any:
    # A service handed "5000" or 5000 for a decimal(…, 2) column: the row reads back 5000.00.
    if value is None:
        return value
    if isinstance(field, models.DecimalField):
        number = field.to_python(value)
        return number.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return field.to_python(value)
    return value


def record_hash(instance: models.Model) -> str:
    content = (
        instance.ledger_content()
        if hasattr(instance, "ledger_content")
        else record_content(instance)
    )
    return sha256_hex(canonical_json(content))


def record_type(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower
