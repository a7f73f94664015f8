"""Pages: a unit work's location labels as a PDF sheet, and the scanner that turns a label
back into its location's capture page (projects/labels.py).

The sheet is for the people who may change the project's records (site supervisors, project
leads): ``unit_work_for_user`` with ``write``. The scanner is for anyone who can see the
project; what a scanned code may open is decided in the browser (static/lqa/scan.js: only
this archive's capture page of one of this project's locations), what a typed code opens
here, through ``location_for_user``.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs
from projects import access, labels, selectors
from storage.fonts import MissingGlyph

# zxing-wasm compiles its WebAssembly module in the page; the policy of the pages that scan
# allows that (and only that) beyond the site-wide script-src 'self'.
scanner_csp = csp_update({"script-src": ["'wasm-unsafe-eval'"]})


def _refused(request, project, title: str, reason: str, *, status: int = 400):
    return render(
        request,
        "error.html",
        {
            "title": title,
            "reason": reason,
            "status": status,
            "breadcrumbs": crumbs(project, (title, None)),
        },
        status=status,
    )


@login_required
@require_GET
def location_labels_pdf(request, project_id: int, unit_work_id: int):
    """One label per location of the unit work, or of ``?under=<location>`` and below."""
    unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id, write=True)
    project = unit_work.project
    title = _("Location labels")
    under = None
    raw = request.GET.get("under", "").strip()
    if raw:
        if not raw.isdigit():
            return _refused(
                request,
                project,
                title,
                _(
                    "“under” must be the number of one of this unit work's locations, the"
                    " floor or zone whose labels to print; leave it out for all of them."
                ),
            )
        under = selectors.location_list(unit_work=unit_work).filter(pk=int(raw)).first()
        if under is None:
            raise access.not_found()
    found = labels.labels_for(unit_work=unit_work, under=under)
    if not found:
        return _refused(
            request,
            project,
            title,
            _(
                "%(unit)s has no locations yet, so there is no label to print. Add the unit"
                " and its floors on its locations page first."
            )
            % {"unit": unit_work.name},
        )
    try:
        pdf = labels.labels_pdf_draw(project=project, unit_work=unit_work, labels=found)
    except MissingGlyph as exc:
        return _refused(request, project, title, exc.messages[0])
    name = f"labels-{unit_work.pk}" + (f"-{under.pk}" if under else "") + ".pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response


@login_required
@require_GET
@scanner_csp
def location_scan_page(request, project_id: int):
    """Scan a location label (camera or photo), or type the code printed under it."""
    project = access.project_for_user(request.user, project_id)
    code = request.GET.get("code")
    error = None
    if code is not None:
        try:
            location = _location_by_code(request.user, project, code)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect(labels.location_capture_path(location))
    return render(
        request,
        "projects/location_scan.html",
        {
            "project": project,
            "code": code or "",
            "error": error,
            "origins": _origins(request),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, (_("Scan a location label"), None)),
        },
        status=400 if error else 200,
    )


def _location_by_code(user, project, code: str):
    location_id = labels.location_id_from_code(code)
    location = (
        access.locations_visible_to(user)
        .filter(unit_work__project=project, pk=location_id)
        .select_related("unit_work")
        .first()
    )
    if location is None:
        # Another project's location, or none: the same answer, which reveals neither.
        raise ValidationError(
            _(
                "No location of %(project)s has the code %(code)s. Check that the label is"
                " one of this project's, and the code as printed."
            )
            % {"project": project.name, "code": labels.label_code_text(location_id)}
        )
    return location


def _origins(request) -> str:
    """The origins a label's URL may have: the public address printed on labels, and the
    one this page was opened at (the same archive reached by another name)."""
    public = labels.public_origin()
    here = request.build_absolute_uri("/").rstrip("/")
    return " ".join(dict.fromkeys([public, here]))
