"""The archive package page: what a project's package will hold, the button that exports
it (the package API's own download: the same access rule and audit event), and how to
check it offline with the standalone verifier, downloadable here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs
from ledger import signing
from ledger.offline import standalone_source
from projects.access import project_for_user
from responsibility.packages import package_contents


@require_GET
@login_required
def package_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    public_key = signing.public_key_bytes()
    context = {
        "project": project,
        "contents": package_contents(project),
        "public_key": public_key.hex(),
        "key_id": signing.key_id(public_key),
        "nav_active": "projects",
        "breadcrumbs": crumbs(project, (_("Archive package"), None)),
    }
    return render(request, "responsibility/package.html", context)


@require_GET
@login_required
def package_verifier_download(request, project_id: int):
    """The offline verifier as one self-contained Python file (``ledger/offline.py`` with
    its Merkle code inlined, as ``scripts/verify_package.py --write-standalone`` writes it)."""
    project_for_user(request.user, project_id)
    response = HttpResponse(standalone_source(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_package.py"'
    return response
