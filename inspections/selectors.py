"""Reads of acceptance records and photos, with their joins built in.

Each starts from what ``user`` may see (``inspections.access``), the same rows the detail
helpers there look up; callers check the project first (``record_for_user`` or
``projects.access.project_for_user``) so that an unknown project is a 404, not an empty list."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from inspections import access
from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from projects.models import Project


def record_list(*, user, project: Project) -> QuerySet[AcceptanceRecord]:
    return (
        access.records_visible_to(user)
        .filter(project=project)
        .select_related("unit_work", "created_by")
        .prefetch_related(
            "locations",
            "concealed_works",
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("person", "user")),
            Prefetch("rounds", queryset=AcceptanceRound.objects.select_related("submitted_by")),
        )
        .order_by("date", "pk")
    )


def record_detail(*, user, record: AcceptanceRecord) -> AcceptanceRecord:
    """``record`` read again with everything its representation shows (after a write, or
    after ``record_for_user`` found it)."""
    return record_list(user=user, project=record.project).get(pk=record.pk)


def photo_list(*, user, project: Project) -> QuerySet[Photo]:
    return (
        access.photos_visible_to(user)
        .filter(project=project)
        .select_related("original", "uploaded_by", "subject_type")
    )


def record_photo_list(*, user, record: AcceptanceRecord) -> QuerySet[Photo]:
    return photo_list(user=user, project=record.project).filter(
        subject_type__app_label="inspections",
        subject_type__model="acceptancerecord",
        subject_id=record.pk,
    )
