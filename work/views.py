"""Pages: the home page ("my work") and a project's overview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from projects import access, selectors


def home(request):
    """The front door: for a visitor, what this archive is; for a user, their work."""
    return render(request, "work/home.html", {"nav_active": "home"})


@login_required
def project_page(request, project_id: int):
    project = access.project_for_user(request.user, project_id)
    return render(
        request,
        "work/project.html",
        {
            "project": project,
            "participations": selectors.participation_list(project=project),
            "leads": selectors.open_lead_tenures(project=project),
            "unit_works": selectors.unit_work_list(project=project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project),
        },
    )


def crumbs(project, *rest) -> list[tuple[str, str | None]]:
    """Breadcrumbs from the projects list to a record: crumbs(project, (label, url), …);
    the last one is the current page (its url may be None)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    trail = [(_("Projects"), reverse("project-list-page"))]
    trail.append((project.name, reverse("project-page", args=[project.pk]) if rest else None))
    trail.extend(rest)
    return trail
