"""Helpers for data migrations that fill in what the ledger learned to keep later."""

from __future__ import annotations

from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Cast


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
