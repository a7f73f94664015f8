"""Pages: the home page ("my work"), the user's projects and a project's overview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.pages import crumbs
from projects import access, selectors, setup_views
from projects.access import regulator_account_of
from responsibility import access as responsibility_access
from responsibility import lead_views, plaque_views, signer_views
from responsibility.models import DefectCase
from work import selectors as work_selectors


def home(request):
    """The front door: for a visitor, what this archive is; for a user, their work."""
    if not request.user.is_authenticated:
        return render(request, "work/home.html", {"nav_active": "home"})
    sections = work_selectors.my_work(user=request.user)
    return render(
        request,
        "work/my_work.html",
        {
            "sections": [section for section in sections if section[2]],
            "watches": request.user.is_staff or regulator_account_of(request.user) is not None,
            "nav_active": "home",
            **plaque_views.plaques_to_install_context(request),
            # Sign-offs of every capacity are among the sections already.
            **signer_views.signing_work_context(request, sign_offs=False),
        },
    )


PROJECTS_PER_PAGE = 30


@login_required
def project_list_page(request):
    """The user's projects as cards, a page at a time (an operator or a regulator sees
    thousands), each with what is open on it."""
    projects = Paginator(work_selectors.project_cards(user=request.user), PROJECTS_PER_PAGE)
    return render(
        request,
        "work/project_list.html",
        {"page": projects.get_page(request.GET.get("page")), "nav_active": "projects"},
    )


@login_required
def project_page(request, project_id: int):
    project = access.project_for_user(request.user, project_id)
    trees = work_selectors.location_trees(project=project)
    setup_gaps = setup_views.setup_gaps_context(request, project)
    may_write = setup_gaps["gates_may_write"]  # asked once, for the gates and the labels
    unit_works = [
        {
            "unit_work": unit_work,
            "locations": trees.get(unit_work.pk, []),
            "records_url": reverse("record-tree-page", args=[project.pk, unit_work.pk]),
            "labels_url": (
                reverse("location-labels-pdf", args=[project.pk, unit_work.pk])
                if may_write
                else None
            ),
        }
        for unit_work in selectors.unit_work_list(project=project).order_by("pk")
    ]
    sections = work_selectors.project_open_items(user=request.user, project=project)
    defect_cases = responsibility_access.defect_cases_visible_to(request.user).filter(
        project=project
    )
    return render(
        request,
        "work/project.html",
        {
            "project": project,
            "participations": selectors.participation_list(project=project).order_by("role"),
            "leads": selectors.open_lead_tenures(project=project),
            "unit_works": unit_works,
            "sections": [section for section in sections if section[2]],
            "defect_cases": defect_cases.aggregate(
                total=Count("pk"), open=Count("pk", filter=Q(state=DefectCase.State.OPEN))
            ),
            "links": [
                (_("Deliveries"), reverse("delivery-list-page", args=[project.pk])),
                (_("Material usages"), reverse("usage-list-page", args=[project.pk])),
                (_("Defect cases"), reverse("defect-case-list-page", args=[project.pk])),
                (_("Leads"), reverse("lead-timeline-page", args=[project.pk])),
                (_("Scan a location label"), reverse("location-scan-page", args=[project.pk])),
                (_("Set-up"), reverse("project-setup-page", args=[project.pk])),
            ],
            **plaque_views.plaques_context(request, project),
            **setup_gaps,
            **lead_views.lead_deadlines_context(request, project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project),
        },
    )
