"""Reads for letters, pledges and their evidence, and for defect cases."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from projects.models import Project
from responsibility import access
from responsibility.models import DefectCase, ResponsibilityDocument


def document_list(*, user, project: Project) -> QuerySet[ResponsibilityDocument]:
    return (
        access.documents_visible_to(user)
        .filter(project=project)
        .select_related(
            "signer",
            "lead_tenure__person",
            "participation__organization",
            "template",
            "pdf",
            "evidence",
        )
        .order_by("participation__role", "kind", "-created_at", "-pk")
    )


def defect_case_list(*, user, project: Project) -> QuerySet[DefectCase]:
    return (
        access.defect_cases_visible_to(user)
        .filter(project=project)
        .select_related("unit_work", "location", "opened_by", "closed_by")
        .annotate(held_files=Count("holds", filter=Q(holds__released_at__isnull=True)))
        .order_by("-opened_at", "-pk")
    )
