"""Reads of acceptance records and photos, with their joins built in.

Callers check access to the project first (projects.access.project_for_user)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from projects.models import Project


def record_list(*, project: Project) -> QuerySet[AcceptanceRecord]:
    return (
        AcceptanceRecord.objects.filter(project=project)
        .select_related("unit_work", "created_by")
        .prefetch_related(
            "locations",
            "concealed_works",
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("person", "user")),
            Prefetch("rounds", queryset=AcceptanceRound.objects.select_related("submitted_by")),
        )
        .order_by("date", "pk")
    )


def photo_list(*, project: Project) -> QuerySet[Photo]:
    return Photo.objects.filter(project=project).select_related(
        "original", "uploaded_by", "subject_type"
    )


def record_photo_list(*, record: AcceptanceRecord) -> QuerySet[Photo]:
    return photo_list(project=record.project).filter(
        subject_type__app_label="inspections",
        subject_type__model="acceptancerecord",
        subject_id=record.pk,
    )
