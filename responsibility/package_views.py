"""The archive package page: what a project's package will hold, the button that exports
it (a background job: the page polls a small status partial for its progress, then offers
the download), and how to check it offline with the standalone verifier, downloadable here.
Who may read the project may export it, see its exports and download them (each download
is audited), as the package API allows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.pages import crumbs
from ledger import signing
from ledger.offline import standalone_source
from projects.access import project_for_user
from responsibility import exports
from responsibility.models import PackageExport
from responsibility.packages import package_contents


def _status_context(export: PackageExport | None) -> dict:
    return {
        "export": export,
        "export_progress": exports.export_progress(export) if export and export.active else None,
        "export_expired": bool(export) and exports.export_expired(export),
    }


def _export_of(project, export_id: int) -> PackageExport:
    """Only an export of this project: another project's id is not found here."""
    export = PackageExport.objects.filter(project=project, pk=export_id).first()
    if export is None:
        raise Http404(_("This project has no export with that id."))
    return export


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
        "export_lifetime_hours": settings.EXPORT_LIFETIME_HOURS,
        **_status_context(project.package_exports.select_related("requested_by").first()),
    }
    return render(request, "responsibility/package.html", context)


@require_POST
@login_required
def package_export_start(request, project_id: int):
    """Start an export job (or, when one runs for this project, show that one): htmx gets
    the status partial, a browser without scripts the page again."""
    project = project_for_user(request.user, project_id)
    export, _started = exports.export_request(project=project, user=request.user, request=request)
    if request.htmx:
        return render(
            request, "responsibility/partials/export_status.html", _status_context(export)
        )
    return redirect("package-page", project.pk)


@require_GET
@login_required
def package_export_status(request, project_id: int, export_id: int):
    """The export's state and progress, polled by the page while it runs."""
    project = project_for_user(request.user, project_id)
    export = _export_of(project, export_id)
    return render(request, "responsibility/partials/export_status.html", _status_context(export))


@require_GET
@login_required
def package_export_download(request, project_id: int, export_id: int):
    """A redirect to the stored package (audited), or a page saying why not (expired: 410;
    failed or not made yet: 409)."""
    project = project_for_user(request.user, project_id)
    export = _export_of(project, export_id)
    refusal = exports.download_refusal(export)
    if refusal is not None:
        code, message = refusal
        context = {
            "project": project,
            "message": message,
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, (_("Archive package"), None)),
        }
        return render(request, "responsibility/export_refused.html", context, status=code)
    response = HttpResponseRedirect(
        exports.export_download_url(export=export, user=request.user, request=request)
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@login_required
def package_verifier_download(request, project_id: int):
    """The offline verifier as one self-contained Python file (``ledger/offline.py`` with
    its Merkle code inlined, as ``scripts/verify_package.py --write-standalone`` writes it)."""
    project_for_user(request.user, project_id)
    response = HttpResponse(standalone_source(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_package.py"'
    return response
