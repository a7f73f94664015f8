"""A project's archive, materials tab: every delivery with its batch and maker, who
accepted it, its samples and test reports and where the material went, each record with
its ledger badge. Read-only for everyone: the pages that change these records are the
delivery, sample and usage pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs
from ledger.proofs import RecordChecks
from materials import selectors
from materials.forms import DeliveryFilterForm
from projects.access import project_for_user

# Deliveries per page: each carries its samples and up to 20 usages (a synthetic project's
# 100 deliveries have 500 usages: ten deliveries a page keeps a page near 60 rows).
ARCHIVE_PAGE_SIZE = 10


def archive_crumb(project):
    return (_("Project archive"), reverse("archive-page", args=[project.pk]))


def archive_records(deliveries) -> list:
    """Every record the page shows, for one ``RecordChecks``."""
    records = []
    for delivery in deliveries:
        records += [delivery, delivery.batch]
        for sample in delivery.archive_samples:
            records += [sample, getattr(sample, "report", None)]
        records += delivery.archive_usages
    return records


@require_GET
@login_required
def archive_materials_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    filters = DeliveryFilterForm(request.GET or None)
    deliveries = selectors.delivery_list(user=request.user, project=project)
    if filters.is_valid():
        deliveries = selectors.delivery_filter(deliveries, **filters.cleaned_data)
    deliveries = selectors.delivery_archive(user=request.user, deliveries=deliveries)
    page = Paginator(deliveries, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "materials/archive_materials.html",
        {
            "project": project,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "checks": RecordChecks(archive_records(page.object_list)),
            "usages_shown": selectors.ARCHIVE_USAGES_PER_DELIVERY,
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, archive_crumb(project), (_("Materials"), None)),
        },
    )
