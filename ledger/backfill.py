"""Helpers for data migrations that fill in what the ledger learned to keep later.

A column added to a ledgered model after its records were ledgered is named in
``Ledgered.ledger_added_fields`` and stays out of a record's hash while it is empty. Filling it
changes the hash, so every filled record gets an ``update`` entry (by no actor: the server did
it) in the migration's transaction, and ``verify_archive`` still finds each record matching its
latest entry. Entries written before entries carried their project get it from their record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Cast

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


def entry_projects_fill(apps, paths: dict[str, str]) -> None:
    """Set ``project_id`` on the entries written before entries carried it.

    ``paths`` maps a record type ("materials.sample") to the lookup from that record to its
    project's id as the models had it then ("delivery__project"; "pk" for a project). One
    UPDATE per record type; entries of deleted records keep no project (operators see them).
    """
    entries = apps.get_model("ledger", "LedgerEntry")
    for label, path in paths.items():
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        project_of_record = model._base_manager.filter(
            pk=Cast(OuterRef("record_id"), BigIntegerField())
        ).values(path)[:1]
        entries.objects.filter(record_type=label, project_id__isnull=True).update(
            project_id=Subquery(project_of_record)
        )
