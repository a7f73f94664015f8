"""Filling a column added to a ledgered model after its records were ledgered, from a data
migration.

Such a column is named in ``Ledgered.ledger_added_fields`` and stays out of a record's hash
while it is empty. Filling it changes the hash, so every filled record gets an ``update``
entry (by no actor: the server did it) in the migration's transaction, and
``verify_archive`` still finds each record matching its latest entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.services import ledger_append


def ledgered_backfill(queryset, *, field: str, value_of: Callable[[Any], Any]) -> int:
    """Set ``field`` on every row of ``queryset`` where it is empty to ``value_of(row)`` and
    ledger the change. Works on the historical models a migration gets from ``apps``: their
    hash covers every column, as ``Ledgered.ledger_content`` does once the column is set.
    Returns how many rows were filled."""
    filled = 0
    for row in queryset.filter(**{f"{field}__isnull": True}).order_by("pk").iterator():
        setattr(row, field, value_of(row))
        row.save(update_fields=[field])
        ledger_append(record=row, action="update", actor=None)
        filled += 1
    return filled
