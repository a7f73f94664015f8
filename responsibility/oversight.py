"""What a regulator's jurisdiction needs attention for: one call, a fixed number of queries
whatever the number of projects.

Each item names the project, what is wrong and since when. The lists:

- ``missing_documents`` — a lead in office in one of the five roles without a signed
  authorization letter or pledge (建质〔2014〕124号), once the project is registered;
- ``overdue_lead_changes`` — a new lead whose letter and pledge are past their deadline;
- ``plaques`` — a completed unit work whose plaque is not installed by the jurisdiction's
  deadline, or was installed late;
- ``failed_samples`` — a failed test report on a delivery not yet rejected and removed;
- ``open_recalls`` — recall actions not closed;
- ``returned_records`` — acceptance records returned more than twice.
"""

from __future__ import annotations

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import AcceptanceRecord, AcceptanceRound
from materials.models import Delivery, RecallAction, TestReport
from projects.models import MANDATORY_ROLES, LeadTenure, Project
from responsibility.deadlines import lead_changes
from responsibility.models import DocumentKind, Plaque, ResponsibilityDocument
from responsibility.plaques import install_due

RETURNS_BEFORE_ATTENTION = 2


def _item(project_id: int, names: dict[int, str], what: str, since) -> dict:
    return {"project": project_id, "project_name": names[project_id], "what": what, "since": since}


def oversight_lists(*, projects: QuerySet[Project]) -> dict[str, list[dict]]:
    names = dict(projects.values_list("pk", "name"))
    ids = list(names)
    return {
        "projects": len(ids),
        "missing_documents": _missing_documents(ids, names),
        "overdue_lead_changes": _overdue_lead_changes(projects, names),
        "plaques": _plaques(ids, names),
        "failed_samples": _failed_samples(ids, names),
        "open_recalls": _open_recalls(ids, names),
        "returned_records": _returned_records(ids, names),
    }


def _missing_documents(ids: list[int], names: dict[int, str]) -> list[dict]:
    signed = Q(responsibility_documents__status=ResponsibilityDocument.Status.SIGNED)
    tenures = (
        LeadTenure.objects.filter(
            project__in=ids,
            end_date__isnull=True,
            role__in=[role.value for role in MANDATORY_ROLES],
        )
        .annotate(
            letters=Count(
                "responsibility_documents",
                filter=signed & Q(responsibility_documents__kind=DocumentKind.LETTER),
            ),
            pledges=Count(
                "responsibility_documents",
                filter=signed & Q(responsibility_documents__kind=DocumentKind.PLEDGE),
            ),
        )
        .filter(Q(letters=0) | Q(pledges=0))
        .select_related("person")
        .order_by("project_id", "role")
    )
    items = []
    for tenure in tenures:
        missing = [
            str(label)
            for count, label in (
                (tenure.letters, DocumentKind.LETTER.label),
                (tenure.pledges, DocumentKind.PLEDGE.label),
            )
            if not count
        ]
        what = _("%(role)s %(name)s has no signed %(documents)s.") % {
            "role": tenure.get_role_display(),
            "name": tenure.person.name,
            "documents": _(" or ").join(missing),
        }
        items.append(_item(tenure.project_id, names, what, tenure.start_date))
    return items


def _overdue_lead_changes(projects: QuerySet[Project], names: dict[int, str]) -> list[dict]:
    return [
        _item(
            change.tenure.project_id,
            names,
            _("%(role)s changed to %(name)s: letter and pledge were due on %(due)s.")
            % {
                "role": change.tenure.get_role_display(),
                "name": change.tenure.person.name,
                "due": change.due.isoformat(),
            },
            change.due,
        )
        for change in lead_changes(projects)
        if change.overdue
    ]


def _plaques(ids: list[int], names: dict[int, str]) -> list[dict]:
    today = timezone.localdate()
    plaques = (
        Plaque.objects.filter(unit_work__project__in=ids)
        .annotate(installed_on=Min("installations__installed_on"))
        .select_related("unit_work__project")
        .order_by("unit_work__project_id", "pk")
    )
    items = []
    for plaque in plaques:
        project = plaque.unit_work.project
        due = install_due(plaque, project.jurisdiction_code)
        unit = plaque.unit_work.name
        if plaque.installed_on is None and today > due:
            what = _("The plaque of %(unit)s is not installed; it was due on %(due)s.") % {
                "unit": unit,
                "due": due.isoformat(),
            }
            items.append(_item(project.pk, names, what, due))
        elif plaque.installed_on is not None and plaque.installed_on > due:
            what = _("The plaque of %(unit)s was installed late, on %(on)s (due %(due)s).") % {
                "unit": unit,
                "on": plaque.installed_on.isoformat(),
                "due": due.isoformat(),
            }
            items.append(_item(project.pk, names, what, due))
    return items


def _failed_samples(ids: list[int], names: dict[int, str]) -> list[dict]:
    reports = (
        TestReport.objects.filter(result=TestReport.Result.FAIL, sample__delivery__project__in=ids)
        .exclude(sample__delivery__state=Delivery.State.REJECTED)
        .values_list(
            "sample__delivery__project_id",
            "report_number",
            "tested_on",
            "sample__delivery__batch__product",
            "sample__delivery__batch__batch_number",
        )
        .order_by("sample__delivery__project_id", "tested_on")
    )
    return [
        _item(
            project_id,
            names,
            _(
                "Test report %(number)s failed %(product)s batch %(batch)s; the delivery is not"
                " rejected yet."
            )
            % {"number": number, "product": product, "batch": batch},
            tested_on,
        )
        for project_id, number, tested_on, product, batch in reports
    ]


def _open_recalls(ids: list[int], names: dict[int, str]) -> list[dict]:
    actions = (
        RecallAction.objects.filter(project__in=ids, closed_at__isnull=True)
        .values_list("project_id", "kind", "notice__product", "opened_at")
        .order_by("project_id", "opened_at")
    )
    kinds = dict(RecallAction.Kind.choices)
    return [
        _item(
            project_id,
            names,
            _("Recall action “%(kind)s” for %(product)s is open.")
            % {"kind": kinds.get(kind, kind), "product": product},
            timezone.localdate(opened_at),
        )
        for project_id, kind, product, opened_at in actions
    ]


def _returned_records(ids: list[int], names: dict[int, str]) -> list[dict]:
    returned = Q(rounds__outcome=AcceptanceRound.Outcome.RETURNED)
    records = (
        AcceptanceRecord.objects.filter(project__in=ids)
        .annotate(returns=Count("rounds", filter=returned))
        .filter(returns__gt=RETURNS_BEFORE_ATTENTION)
        .values_list("project_id", "title", "returns", "date")
        .order_by("project_id", "date")
    )
    return [
        _item(
            project_id,
            names,
            _("Acceptance record “%(title)s” was returned %(count)s times.")
            % {"title": title, "count": count},
            date,
        )
        for project_id, title, count, date in records
    ]
