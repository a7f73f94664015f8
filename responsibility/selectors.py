"""Reads for letters, pledges and their evidence, and for defect cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from inspections import access as inspections_access
from inspections.models import AcceptanceRecord, SignOff
from inspections.services import LEAD_ROLES, required_capacities
from projects.models import LeadTenure, Project
from responsibility import access
from responsibility.deadlines import is_lead_change, lead_change_due, working_days_until
from responsibility.models import DefectCase, DefectCaseHold, ResponsibilityDocument

Status = ResponsibilityDocument.Status

# The states a signer speaks of, and the statuses behind them (the list API's ``?state=``).
STATE_UNSIGNED = "unsigned"
STATE_SIGNED = "signed"
STATE_SUPERSEDED = "superseded"
STATE_STATUSES = {
    STATE_UNSIGNED: Status.DRAFT,
    STATE_SIGNED: Status.SIGNED,
    STATE_SUPERSEDED: Status.SUPERSEDED,
}


def documents_in_state(queryset: QuerySet, state: str) -> QuerySet[ResponsibilityDocument]:
    return queryset.filter(status=STATE_STATUSES[state])


def documents_signed_by(queryset: QuerySet, user) -> QuerySet[ResponsibilityDocument]:
    """The documents ``user`` signs (or signed): letters of the organizations they represent,
    pledges of their lead tenures."""
    return queryset.filter(signer__user_id=user.pk)


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


def defect_case_holds(*, case: DefectCase) -> QuerySet[DefectCaseHold]:
    """The files ``case`` holds (or held, until it was closed), in the order it held them."""
    return case.holds.select_related("stored_object").order_by("held_at", "pk")


# --- What a signer must sign, and what they signed ---


@dataclass(frozen=True)
class DocumentToSign:
    """A letter or pledge waiting for its signer, with the deadline when a lead change set
    one (a first lead's documents have none: the gates wait for them instead)."""

    document: ResponsibilityDocument
    due: datetime.date | None

    @property
    def working_days_left(self) -> int | None:
        return None if self.due is None else working_days_until(timezone.localdate(), self.due)

    @property
    def overdue(self) -> bool:
        return self.due is not None and timezone.localdate() > self.due


def documents_to_sign(*, user) -> list[DocumentToSign]:
    """Every unsigned letter and pledge ``user`` must sign, across their projects, the
    earliest deadline first. One query, whatever the number of documents."""
    documents = documents_signed_by(
        documents_in_state(access.documents_visible_to(user), STATE_UNSIGNED), user
    ).select_related(
        "project",
        "participation__organization",
        "lead_tenure__project",
        "lead_tenure__person",
        "lead_tenure__predecessor",
        "template",
        "supersedes",
    )
    items = [
        DocumentToSign(
            document=document,
            due=lead_change_due(document.lead_tenure)
            if is_lead_change(document.lead_tenure)
            else None,
        )
        for document in documents
    ]
    far = datetime.date.max
    return sorted(items, key=lambda i: (i.due or far, i.document.project.name, i.document.pk))


def documents_signed_by_user(*, user) -> QuerySet[ResponsibilityDocument]:
    """The letters and pledges ``user`` signed, the superseded ones too (a correction keeps
    what it corrects), with their evidence and PDF; the newest first."""
    return (
        documents_signed_by(access.documents_visible_to(user), user)
        .exclude(status=Status.DRAFT)
        .select_related(
            "project",
            "participation__organization",
            "lead_tenure__person",
            "template",
            "pdf",
            "evidence",
            "supersedes",
            "superseded_by",
        )
        .order_by("-signed_at", "-pk")
    )


@dataclass(frozen=True)
class SignOffWaiting:
    record: AcceptanceRecord
    capacity: str

    @property
    def capacity_label(self) -> str:
        return SignOff.Capacity(self.capacity).label


def lead_sign_offs_waiting(*, user) -> list[SignOffWaiting]:
    """Submitted acceptance records waiting for ``user``'s sign-off as a project lead (the
    five leads of a unit work or the completion, the survey and design leads of foundation
    and main-structure divisions). A lead signs for the role they held on the record's date,
    as ``inspections.services.signer_person`` decides when they sign. Three queries."""
    tenures = list(
        LeadTenure.objects.filter(person__user_id=user.pk, role__in=LEAD_ROLES.values()).values(
            "project_id", "role", "start_date", "end_date"
        )
    )
    if not tenures:
        return []
    records = (
        inspections_access.records_visible_to(user)
        .filter(
            state=AcceptanceRecord.State.SUBMITTED,
            project_id__in={t["project_id"] for t in tenures},
        )
        .select_related("project", "unit_work")
        .prefetch_related(Prefetch("sign_offs", queryset=SignOff.objects.only("round", "capacity")))
        .order_by("date", "pk")
    )
    waiting = []
    for record in records:
        signed = {s.capacity for s in record.sign_offs.all() if s.round == record.round}
        for capacity in required_capacities(record):
            role = LEAD_ROLES.get(capacity)
            if role is None or capacity in signed:
                continue
            if any(_in_office(t, record, role) for t in tenures):
                waiting.append(SignOffWaiting(record=record, capacity=capacity))
    return waiting


def _in_office(tenure: dict, record: AcceptanceRecord, role: str) -> bool:
    return (
        tenure["project_id"] == record.project_id
        and tenure["role"] == role
        and tenure["start_date"] <= record.date
        and (tenure["end_date"] is None or tenure["end_date"] >= record.date)
    )
