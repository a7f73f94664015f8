"""What is open, composed from each app's access helpers and selectors: a user's own work
(the home page), everything open on one project (its page) and a count per project (the
projects list). A fixed number of queries whatever the number of rows.

"Mine" follows the rules the services apply: deliveries wait for the site supervisors who
may accept them (``materials.access.delivery_decide_check``); deliveries blocked by a failed
test, samples and flagged photos for those who keep the project's records
(``Membership.WRITE_ROLES``); a returned record for
whoever created or submitted it, a sign-off for a person who signs in a capacity the record
still needs (``inspections.services``), a letter or pledge for its signer; overdue items for
every member of the project.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from inspections import access as inspections_access
from inspections.models import AcceptanceRecord, SignOff
from inspections.services import LEAD_ROLES, STAFF_ROLES, required_capacities
from materials import access as materials_access
from materials import selectors as materials_selectors
from materials.models import Delivery, Sample, TestReport
from projects import selectors as projects_selectors
from projects.models import LeadTenure, Location, Membership, Project
from responsibility import access as responsibility_access
from responsibility.models import DefectCase, ResponsibilityDocument
from responsibility.oversight import oversight_lists
from storage.models import EvidencePhoto

UNDECIDED = (Delivery.State.PENDING, Delivery.State.SAMPLED)

# The sections of "my work" and of a project's open items, in the order they are shown.
SECTIONS = (
    ("blocked_deliveries", gettext_lazy("Failed tests blocking a delivery")),
    ("deliveries_waiting", gettext_lazy("Deliveries waiting for acceptance")),
    ("samples_without_report", gettext_lazy("Samples without a test report")),
    ("returned_records", gettext_lazy("Inspection lots returned")),
    ("sign_offs", gettext_lazy("Sign-offs waiting")),
    ("documents", gettext_lazy("Letters and pledges waiting for a signature")),
    ("flagged_photos", gettext_lazy("Photos flagged")),
    ("overdue", gettext_lazy("Overdue")),
)


@dataclass(frozen=True)
class Item:
    """One thing to do: what, where, since when, and the page where it is done."""

    project_id: int
    project_name: str
    what: str
    since: datetime.date | None
    url: str


@dataclass(frozen=True)
class Scope:
    """Whose work: ``mine`` limits each kind to what ``user`` acts on; otherwise every open
    item of ``project_ids`` that ``user`` may see."""

    user: object
    project_ids: list[int]
    mine: bool
    decide_ids: list[int]
    write_ids: list[int]


def my_work(*, user, project: Project | None = None) -> list[tuple[str, str, list[Item]]]:
    """What needs ``user`` now, across their projects (or on ``project``): one query for
    their memberships, then a fixed number per kind."""
    memberships = Membership.objects.filter(user=user)
    if project is not None:
        memberships = memberships.filter(project=project)
    roles = list(memberships.values_list("project_id", "role"))
    scope = Scope(
        user=user,
        project_ids=sorted({p for p, _role in roles}),
        mine=True,
        decide_ids=sorted({p for p, role in roles if role == Membership.Role.SITE_SUPERVISOR}),
        write_ids=sorted({p for p, role in roles if role in Membership.WRITE_ROLES}),
    )
    return _sections(scope)


def project_open_items(*, user, project: Project) -> list[tuple[str, str, list[Item]]]:
    """Everything open on ``project`` that ``user`` may see (its page), whoever acts on it.
    The caller has checked the project (``project_for_user``)."""
    ids = [project.pk]
    return _sections(Scope(user=user, project_ids=ids, mine=False, decide_ids=ids, write_ids=ids))


def _sections(scope: Scope) -> list[tuple[str, str, list[Item]]]:
    if not scope.project_ids:
        found: dict[str, list[Item]] = {}
    else:
        found = {
            "blocked_deliveries": _blocked_deliveries(scope),
            "deliveries_waiting": _deliveries_waiting(scope),
            "samples_without_report": _samples_without_report(scope),
            "returned_records": _returned_records(scope),
            "sign_offs": _sign_offs(scope),
            # The user's own letters and pledges show on my work with their deadlines
            # (responsibility/partials/to_sign.html); a project's page lists them all here.
            "documents": [] if scope.mine else _documents(scope),
            "flagged_photos": _flagged_photos(scope),
            "overdue": _overdue(scope),
        }
    return [(key, str(title), found.get(key, [])) for key, title in SECTIONS]


def _project_page(project_id: int) -> str:
    return reverse("project-page", args=[project_id])


def _delivery_url(project_id: int, delivery_id: int) -> str:
    return reverse("delivery-page", args=[project_id, delivery_id])


def _record_url(project_id: int, record_id: int) -> str:
    return reverse("record-page", args=[project_id, record_id])


# --- Materials ---


def _delivery_what(product: str, batch: str, quantity, unit: str) -> str:
    return _("%(product)s batch %(batch)s, %(quantity)s %(unit)s") % {
        "product": product,
        "batch": batch,
        "quantity": f"{quantity.normalize():f}",
        "unit": unit,
    }


def _blocked_deliveries(scope: Scope) -> list[Item]:
    deliveries = (
        materials_selectors.delivery_blocked_list(user=scope.user)
        .filter(project__in=scope.write_ids)
        .exclude(state=Delivery.State.REJECTED)
    )
    return [
        Item(
            d.project_id,
            d.project.name,
            _delivery_what(d.batch.product, d.batch.batch_number, d.quantity, d.get_unit_display()),
            d.delivered_on,
            _delivery_url(d.project_id, d.pk),
        )
        for d in deliveries
    ]


def _has_failed_test():
    return Exists(
        TestReport.objects.filter(sample__delivery=OuterRef("pk"), result=TestReport.Result.FAIL)
    )


def _deliveries_waiting_qs(user) -> QuerySet[Delivery]:
    return (
        materials_access.deliveries_visible_to(user)
        .filter(state__in=UNDECIDED)
        .exclude(_has_failed_test())
    )


def _deliveries_waiting(scope: Scope) -> list[Item]:
    rows = (
        _deliveries_waiting_qs(scope.user)
        .filter(project__in=scope.decide_ids)
        .order_by("delivered_on", "pk")
        .values_list(
            "pk",
            "project_id",
            "project__name",
            "batch__product",
            "batch__batch_number",
            "quantity",
            "unit",
            "delivered_on",
        )
    )
    units = dict(Delivery._meta.get_field("unit").choices)
    return [
        Item(
            project_id,
            name,
            _delivery_what(product, batch, quantity, units.get(unit, unit)),
            on,
            _delivery_url(project_id, pk),
        )
        for pk, project_id, name, product, batch, quantity, unit, on in rows
    ]


def _samples_without_report_qs(user) -> QuerySet[Sample]:
    return (
        materials_access.samples_visible_to(user)
        .filter(report__isnull=True)
        .exclude(delivery__state=Delivery.State.REJECTED)
    )


def _samples_without_report(scope: Scope) -> list[Item]:
    rows = (
        _samples_without_report_qs(scope.user)
        .filter(delivery__project__in=scope.write_ids)
        .order_by("sampled_on", "pk")
        .values_list(
            "pk",
            "delivery_id",
            "delivery__project_id",
            "delivery__project__name",
            "seal_number",
            "delivery__batch__product",
            "sampled_on",
        )
    )
    return [
        Item(
            project_id,
            name,
            _("Sample %(seal)s of %(product)s") % {"seal": seal, "product": product},
            on,
            reverse("sample-page", args=[project_id, pk]),
        )
        for pk, delivery_id, project_id, name, seal, product, on in rows
    ]


# --- Acceptance records ---


def _returned_records(scope: Scope) -> list[Item]:
    records = inspections_access.records_visible_to(scope.user).filter(
        project__in=scope.project_ids, state=AcceptanceRecord.State.RETURNED
    )
    if scope.mine:
        records = records.filter(
            Q(created_by=scope.user) | Q(rounds__submitted_by=scope.user)
        ).distinct()
    rows = records.order_by("date", "pk").values_list(
        "pk", "project_id", "project__name", "title", "round", "date"
    )
    return [
        Item(
            project_id,
            name,
            _("%(title)s (round %(round)s)") % {"title": title, "round": number},
            on,
            _record_url(project_id, pk),
        )
        for pk, project_id, name, title, number, on in rows
    ]


def _my_capacities(scope: Scope) -> tuple[dict[int, set[str]], list[tuple]]:
    """The staff capacities ``user`` signs in, per project, and their lead tenures (each
    capacity with the dates it covers): two queries, the rule of ``signer_person``."""
    staff: dict[int, set[str]] = {}
    memberships = Membership.objects.filter(
        user=scope.user,
        project__in=scope.project_ids,
        role=Membership.Role.SITE_SUPERVISOR,
        organization__participations__project_id=F("project_id"),
    )
    for capacity, role in STAFF_ROLES.items():
        for project_id in memberships.filter(organization__participations__role=role).values_list(
            "project_id", flat=True
        ):
            staff.setdefault(project_id, set()).add(capacity)
    lead_capacity = {role: capacity for capacity, role in LEAD_ROLES.items()}
    tenures = [
        (project_id, lead_capacity[role], start, end)
        for project_id, role, start, end in LeadTenure.objects.filter(
            project__in=scope.project_ids, person__user=scope.user, role__in=lead_capacity
        ).values_list("project_id", "role", "start_date", "end_date")
    ]
    return staff, tenures


def _sign_offs(scope: Scope) -> list[Item]:
    records = (
        inspections_access.records_visible_to(scope.user)
        .filter(project__in=scope.project_ids, state=AcceptanceRecord.State.SUBMITTED)
        .select_related("project")
        .order_by("date", "pk")
    )
    signed = {
        (record_id, number, capacity)
        for record_id, number, capacity in SignOff.objects.filter(record__in=records).values_list(
            "record_id", "round", "capacity"
        )
    }
    staff, tenures = _my_capacities(scope) if scope.mine else ({}, [])
    items = []
    for record in records:
        missing = [
            c for c in required_capacities(record) if (record.pk, record.round, c) not in signed
        ]
        if scope.mine:
            mine = staff.get(record.project_id, set()) | {
                capacity
                for project_id, capacity, start, end in tenures
                if project_id == record.project_id
                and start <= record.date
                and (end is None or end >= record.date)
            }
            missing = [c for c in missing if c in mine]
        if not missing and scope.mine:
            continue
        labels = pgettext("list separator", ", ").join(
            str(SignOff.Capacity(c).label) for c in missing
        )
        what = (
            _("%(title)s: needs %(capacities)s") % {"title": record.title, "capacities": labels}
            if missing
            else _("%(title)s: signed, waiting for acceptance") % {"title": record.title}
        )
        items.append(
            Item(
                record.project_id,
                record.project.name,
                what,
                record.date,
                _record_url(record.project_id, record.pk),
            )
        )
    return items


def _flagged(queryset: QuerySet) -> QuerySet:
    return queryset.filter(flags__isnull=False).exclude(flags=[])


def _flagged_photos(scope: Scope) -> list[Item]:
    """Flagged photos of records and deliveries still being decided: taken far from the
    site or the record's date, something to look at before accepting."""
    open_records = AcceptanceRecord.objects.exclude(state=AcceptanceRecord.State.ACCEPTED)
    photos = (
        _flagged(inspections_access.photos_visible_to(scope.user))
        .filter(
            project__in=scope.write_ids,
            subject_type__app_label="inspections",
            subject_type__model="acceptancerecord",
            subject_id__in=open_records.values("pk"),
        )
        .order_by("received_at", "pk")
        .values_list("pk", "project_id", "project__name", "subject_id", "flags", "received_at")
    )
    photos = list(photos)
    titles = (
        dict(open_records.filter(pk__in={p[3] for p in photos}).values_list("pk", "title"))
        if photos
        else {}
    )
    items = [
        Item(
            project_id,
            name,
            _flagged_what(titles.get(subject_id, ""), flags),
            received.date(),
            _record_url(project_id, subject_id),
        )
        for _pk, project_id, name, subject_id, flags, received in photos
    ]
    delivery_photos = (
        _flagged(materials_access.delivery_photos_visible_to(scope.user))
        .filter(delivery__project__in=scope.write_ids, delivery__state__in=UNDECIDED)
        .order_by("uploaded_at", "pk")
        .values_list(
            "delivery_id",
            "delivery__project_id",
            "delivery__project__name",
            "delivery__batch__product",
            "flags",
            "uploaded_at",
        )
    )
    items += [
        Item(
            project_id,
            name,
            _flagged_what(product, flags),
            at.date(),
            _delivery_url(project_id, delivery),
        )
        for delivery, project_id, name, product, flags, at in delivery_photos
    ]
    return items


def _flagged_what(subject: str, flags: list[str]) -> str:
    labels = dict(EvidencePhoto.Flag.choices)
    return _("A photo of %(subject)s: %(flags)s") % {
        "subject": subject,
        "flags": pgettext("list separator", ", ").join(
            str(labels.get(flag, flag)) for flag in flags
        ),
    }


# --- Responsibility ---


def _documents(scope: Scope) -> list[Item]:
    documents = responsibility_access.documents_visible_to(scope.user).filter(
        project__in=scope.project_ids, status=ResponsibilityDocument.Status.DRAFT
    )
    if scope.mine:
        documents = documents.filter(signer__user=scope.user)
    rows = documents.order_by("created_at", "pk").values_list(
        "pk", "project_id", "project__name", "kind", "number", "signer__name", "created_at"
    )
    kinds = dict(ResponsibilityDocument.Kind.choices)
    return [
        Item(
            project_id,
            name,
            _("%(kind)s %(number)s for %(signer)s")
            % {"kind": kinds.get(kind, kind), "number": number, "signer": signer},
            created.date(),
            reverse("responsibility-sign-page", args=[pk]),
        )
        for pk, project_id, name, kind, number, signer, created in rows
    ]


def _overdue(scope: Scope) -> list[Item]:
    """Lead changes whose letter and pledge are late, plaques late: the regulator's own
    lists (``responsibility.oversight``) over the user's projects."""
    lists = oversight_lists(
        projects=Project.objects.filter(pk__in=scope.project_ids),
        kinds=("overdue_lead_changes", "plaques"),
    )
    return [
        Item(
            item["project"],
            item["project_name"],
            item["what"],
            item["since"],
            _project_page(item["project"]),
        )
        for key in ("overdue_lead_changes", "plaques")
        for item in lists[key]
    ]


# --- The projects list ---


def _count(queryset: QuerySet, project_field: str):
    counted = (
        queryset.filter(**{project_field: OuterRef("pk")})
        .order_by()
        .values(project_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def project_cards(*, user) -> QuerySet[Project]:
    """The user's projects, each with what is open on it: one query."""
    blocked = materials_access.deliveries_visible_to(user).filter(_has_failed_test())
    return projects_selectors.project_list(user=user).annotate(
        blocked_deliveries=_count(blocked.exclude(state=Delivery.State.REJECTED), "project"),
        deliveries_waiting=_count(_deliveries_waiting_qs(user), "project"),
        samples_without_report=_count(_samples_without_report_qs(user), "delivery__project"),
        records_open=_count(
            inspections_access.records_visible_to(user).filter(
                state__in=(AcceptanceRecord.State.SUBMITTED, AcceptanceRecord.State.RETURNED)
            ),
            "project",
        ),
        open_defect_cases=_count(
            responsibility_access.defect_cases_visible_to(user).filter(state=DefectCase.State.OPEN),
            "project",
        ),
    )


def location_trees(*, project: Project) -> dict[int, list[dict]]:
    """Each unit work's location tree (as ``projects.selectors.location_tree`` builds one),
    for every unit work of the project from one query."""
    nodes: dict[int, dict] = {}
    for location in (
        Location.objects.filter(unit_work__project=project)
        .order_by("pk")
        .only("pk", "unit_work_id", "parent_id", "kind", "name")
    ):
        nodes[location.pk] = {
            "id": location.pk,
            "unit_work": location.unit_work_id,
            "kind": location.get_kind_display(),
            "name": location.name,
            "parent": location.parent_id,
            "children": [],
        }
    trees: dict[int, list[dict]] = {}
    for node in nodes.values():
        parent = nodes.get(node["parent"])
        if parent:
            parent["children"].append(node)
        else:
            trees.setdefault(node["unit_work"], []).append(node)
    return trees
