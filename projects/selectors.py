"""Reads that span relations, with their joins built in (list endpoints pin query counts)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from projects import access
from projects.models import (
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    ProjectDocument,
    UnitWork,
)


def organization_list(*, user) -> QuerySet[Organization]:
    return access.organizations_visible_to(user).select_related("legal_representative")


def person_list(*, user) -> QuerySet[Person]:
    return access.people_visible_to(user).select_related("organization")


def project_list(*, user) -> QuerySet[Project]:
    return access.projects_visible_to(user).order_by("-created_at", "-pk")


def unit_work_list(*, project: Project) -> QuerySet[UnitWork]:
    return project.unit_works.all()


def location_list(*, unit_work: UnitWork) -> QuerySet[Location]:
    return unit_work.locations.order_by("pk")


def location_tree(*, unit_work: UnitWork) -> list[dict]:
    """The unit work's locations as nested dicts, from one query."""
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    for location in location_list(unit_work=unit_work):
        node = {
            "id": location.pk,
            "kind": location.kind,
            "name": location.name,
            "parent": location.parent_id,
            "children": [],
        }
        nodes[location.pk] = node
    for node in nodes.values():
        parent = nodes.get(node["parent"])
        (parent["children"] if parent else roots).append(node)
    return roots


def locations_in_tree_order(*, unit_work: UnitWork) -> list[tuple[Location, int]]:
    """The unit work's locations in tree order, each with its depth, from one query: what a
    location picker offers, indented."""
    children: dict[int | None, list[Location]] = {}
    for location in location_list(unit_work=unit_work):
        children.setdefault(location.parent_id, []).append(location)
    ordered: list[tuple[Location, int]] = []

    def walk(parent_id, depth):
        for location in children.get(parent_id, []):
            ordered.append((location, depth))
            walk(location.pk, depth + 1)

    walk(None, 0)
    return ordered


def participation_list(*, project: Project) -> QuerySet[Participation]:
    return project.participations.select_related("organization")


def lead_tenure_list(*, project: Project) -> QuerySet[LeadTenure]:
    return project.lead_tenures.select_related("person", "participation__organization").order_by(
        "role", "start_date", "pk"
    )


def membership_list(*, project: Project) -> QuerySet[Membership]:
    return project.memberships.select_related("user", "organization")


def project_document_list(*, project: Project) -> QuerySet[ProjectDocument]:
    return project.documents.select_related("stored_object", "uploaded_by")


def open_lead_tenures(*, project: Project) -> QuerySet[LeadTenure]:
    return lead_tenure_list(project=project).filter(end_date__isnull=True)


def api_token_list(*, user) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
