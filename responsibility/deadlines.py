"""When a new lead's letter and pledge are due after a lead change, and which are overdue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import MANDATORY_ROLES, LeadTenure, Project, Role
from responsibility.models import DocumentKind, ResponsibilityDocument


def deadline_working_days(jurisdiction_code: str) -> int:
    """LEAD_CHANGE_DEADLINE_WORKING_DAYS, or the override of the most specific region that
    covers the jurisdiction (330108 before 330100 before 330000)."""
    overrides = settings.LEAD_CHANGE_DEADLINE_OVERRIDES
    for code in (jurisdiction_code, jurisdiction_code[:4] + "00", jurisdiction_code[:2] + "0000"):
        if code in overrides:
            return int(overrides[code])
    return settings.LEAD_CHANGE_DEADLINE_WORKING_DAYS


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``days`` working days after ``start``, Saturdays and Sundays excluded."""
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def working_days_until(today: datetime.date, due: datetime.date) -> int:
    """Working days from ``today`` to ``due`` (0 on the day itself, negative once past)."""
    if due < today:
        return -working_days_until(due, today)
    days, current = 0, today
    while current < due:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def is_lead_change(tenure: LeadTenure) -> bool:
    """Whether ``tenure`` is a new lead taking over one of the five roles from another.
    Reads ``tenure.predecessor``: select it with the tenure."""
    mandatory = tenure.role in [role.value for role in MANDATORY_ROLES]
    return mandatory and hasattr(tenure, "predecessor")


def lead_change_due(tenure: LeadTenure) -> datetime.date:
    """The day by which the lead who took over in ``tenure`` must have signed their letter
    and pledge: the region's working days after the change took effect."""
    return add_working_days(
        tenure.start_date, deadline_working_days(tenure.project.jurisdiction_code)
    )


@dataclass(frozen=True)
class LeadChange:
    tenure: LeadTenure
    due: datetime.date
    letter_signed: bool
    pledge_signed: bool

    @property
    def complete(self) -> bool:
        return self.letter_signed and self.pledge_signed

    @property
    def overdue(self) -> bool:
        return not self.complete and timezone.localdate() > self.due


def lead_changes(projects: QuerySet[Project]) -> list[LeadChange]:
    """Every lead that took over from another in the five roles, with their deadline."""
    tenures = list(
        LeadTenure.objects.filter(
            project__in=projects,
            role__in=[role.value for role in MANDATORY_ROLES],
            predecessor__isnull=False,
        )
        .select_related("project", "person", "participation__organization", "predecessor")
        .order_by("project_id", "start_date", "pk")
    )
    signed = set(
        ResponsibilityDocument.objects.filter(
            lead_tenure__in=[t.pk for t in tenures], status=ResponsibilityDocument.Status.SIGNED
        ).values_list("lead_tenure_id", "kind")
    )
    return [
        LeadChange(
            tenure=tenure,
            due=lead_change_due(tenure),
            letter_signed=(tenure.pk, DocumentKind.LETTER) in signed,
            pledge_signed=(tenure.pk, DocumentKind.PLEDGE) in signed,
        )
        for tenure in tenures
    ]


def overdue_lead_change_gaps(project: Project) -> list[str]:
    """Filing (备案) is blocked while a lead change's documents are overdue."""
    projects = Project.objects.filter(pk=project.pk)
    return [
        _(
            "The %(role)s's new lead %(name)s (since %(start)s) had to sign the authorization"
            " letter and pledge by %(due)s; they are overdue."
        )
        % {
            "role": Role(change.tenure.role).label,
            "name": change.tenure.person.name,
            "start": change.tenure.start_date,
            "due": change.due,
        }
        for change in lead_changes(projects)
        if change.overdue
    ]
