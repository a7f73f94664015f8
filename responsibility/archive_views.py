"""Pages: a project's archive, read-only, as a regulator audits it — the parties and the
leads' tenure timeline, the letters and pledges with their PDFs and evidence, the plaques and
their installations. Each record carries its verified badge (one ``RecordChecks`` per page).

Whoever may read the project reads its archive (``project_for_user``): its members, the
regulators of its jurisdiction (others get a 404, as for any project of theirs they cannot
see), operators. Full ID and phone numbers stay masked; beside them, for those
``people_revealable_by`` allows, the audited reveal (projects/audit_views.py).
"""

from __future__ import annotations

from itertools import chain

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs
from ledger.proofs import RecordChecks
from projects.access import people_revealable_by, project_for_user
from responsibility import archive


def _revealable(user, people) -> set[int]:
    """Of the people a page shows, those whose numbers ``user`` may reveal (one query)."""
    ids = {person.pk for person in people if person is not None}
    if not ids:
        return set()
    return set(people_revealable_by(user).filter(pk__in=ids).values_list("pk", flat=True))


def _page(request, project, tab: str, title: str, template: str, context: dict, records):
    return render(
        request,
        template,
        {
            "project": project,
            "archive_tab": tab,
            "checks": RecordChecks(records),
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Archive"), reverse("archive-page", args=[project.pk])),
                (title, None),
            )
            if tab != "overview"
            else crumbs(project, (_("Archive"), None)),
            **context,
        },
    )


@login_required
@require_GET
def archive_page(request, project_id: int):
    """The project, its unit works, its parties and its leads' tenures, drawn and listed."""
    project = project_for_user(request.user, project_id)
    overview = archive.archive_overview(project=project)
    representatives = [p.organization.legal_representative for p in overview["participations"]]
    people = [*representatives, *(t.person for t in overview["tenures"])]
    records = chain(
        [project],
        overview["unit_works"],
        overview["participations"],
        (p.organization for p in overview["participations"]),
        people,
        overview["tenures"],
    )
    context = {**overview, "revealable": _revealable(request.user, people)}
    return _page(
        request,
        project,
        "overview",
        _("Parties and leads"),
        "responsibility/archive/overview.html",
        context,
        records,
    )


@login_required
@require_GET
def archive_documents_page(request, project_id: int):
    """Every letter of authorization and pledge, signed, awaiting or superseded, with the
    signed PDF, the signing evidence and the corrections."""
    project = project_for_user(request.user, project_id)
    documents = archive.archive_documents(user=request.user, project=project)
    evidence = [getattr(d, "evidence", None) for d in documents]
    people = [d.signer for d in documents]
    context = {"documents": documents, "revealable": _revealable(request.user, people)}
    return _page(
        request,
        project,
        "documents",
        _("Letters and pledges"),
        "responsibility/archive/documents.html",
        context,
        chain(documents, evidence),
    )


@login_required
@require_GET
def archive_plaques_page(request, project_id: int):
    """Each unit work's permanent plaque: frozen content, print file, installations and
    their photos, installed in time or late."""
    project = project_for_user(request.user, project_id)
    states = archive.archive_plaques(project=project)
    installations = [i for state in states for i in state.installations]
    records = chain(
        (state.unit_work for state in states),
        (state.plaque for state in states),
        installations,
        (photo for i in installations for photo in i.photos.all()),
    )
    return _page(
        request,
        project,
        "plaques",
        _("Plaques"),
        "responsibility/archive/plaques.html",
        {"states": states},
        records,
    )
