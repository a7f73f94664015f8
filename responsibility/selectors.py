"""Reads for letters, pledges and their evidence."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import Project
from responsibility.models import ResponsibilityDocument


def document_list(*, project: Project) -> QuerySet[ResponsibilityDocument]:
    return (
        ResponsibilityDocument.objects.filter(project=project)
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
