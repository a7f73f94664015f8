"""A project's archive, acceptance tab: the GB 50300 tree of a unit work with each record's
state, its sign-offs (who, in what capacity, when) and its photos (thumbnail, when EXIF says
it was taken against when the archive received it, what looks wrong), each record with its
ledger badge. Read-only for everyone: records are changed on their own pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs
from inspections import selectors
from ledger.proofs import RecordChecks
from projects.access import project_for_user, unit_work_for_user, unit_works_visible_to

# Records per page, each with its sign-offs and photos.
NODES_PER_PAGE = 25


@require_GET
@login_required
def archive_acceptance_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    unit_works = list(unit_works_visible_to(request.user).filter(project=project).order_by("pk"))
    chosen = request.GET.get("unit_work", "")
    if chosen.isdigit():
        unit_work = unit_work_for_user(request.user, project.pk, int(chosen))
    else:
        unit_work = unit_works[0] if unit_works else None
    tree = selectors.record_archive(user=request.user, project=project, unit_work=unit_work)
    # A page of the tree in its order (a building has hundreds of lots): their photos and
    # ledger checks are read for that page only.
    page = Paginator(tree, NODES_PER_PAGE).get_page(request.GET.get("page"))
    nodes = selectors.archive_details(user=request.user, project=project, nodes=page.object_list)
    records = []
    for item in nodes:
        records += [item.record, *item.record.archive_sign_offs, *item.photos]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/archive_acceptance.html",
        {
            "project": project,
            "unit_works": unit_works,
            "unit_work": unit_work,
            "nodes": nodes,
            "page": page,
            "query": query.urlencode(),
            "checks": RecordChecks(records),
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Project archive"), reverse("archive-page", args=[project.pk])),
                (_("Acceptance"), None),
            ),
        },
    )
