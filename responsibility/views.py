"""Pages: the public plaque verification page (no login), the signing page, the oversight
lists and a project's defect cases."""

from __future__ import annotations

import base64
import binascii
import io
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.pages import crumbs
from inspections import selectors as inspections_selectors
from ledger.canonical import canonical_json
from projects import reauth
from projects.access import PublicNotFound, not_found
from responsibility import access, oversight, plaques, selectors, services
from responsibility.dashboard import DashboardForm, months_chart, page_parameter, stages_chart
from responsibility.models import Plaque
from storage.downloads import download_redirect


def plaque_public(request, token: str):
    """What a passer-by sees after scanning the plaque: names, never ID or phone numbers."""
    plaque = Plaque.objects.select_related("unit_work__project").filter(token=token).first()
    if plaque is None:
        # Whoever scanned an unknown code is told so, and whom to tell: a plaque on a
        # building whose code the archive does not know is itself worth reporting.
        raise PublicNotFound(
            _("The archive does not know this plaque code."),
            advice=_(
                "If you scanned it from a plaque on a building, please tell the local"
                " construction quality supervision authority, with the building's address."
            ),
        )
    verification = plaques.project_records_verify(plaque.unit_work.project)
    return render(
        request,
        "responsibility/plaque_public.html",
        {
            "plaque": plaque,
            "content": plaque.content,
            "verified": verification.ok,
            "verification": verification,
        },
    )


def plaque_public_proof(request, token: str):
    """The plaque's record, its ledger entry, the inclusion proof and the signed checkpoint:
    everything an outside RFC 9162 verifier needs, without an account."""
    plaque = get_object_or_404(Plaque.objects.select_related("unit_work__project"), token=token)
    verification = plaques.project_records_verify(plaque.unit_work.project)
    checkpoint = verification.checkpoint
    proven = verification.plaque_entry or {}
    body = {
        # Round-tripped through the canonical JSON, so re-encoding it gives the hashed bytes.
        "plaque": json.loads(canonical_json(plaque.ledger_content())),
        "entry": proven.get("entry"),
        "leaf_hash": proven.get("leaf_hash"),
        "inclusion_proof": proven.get("proof"),
        "checkpoint": checkpoint
        and {
            "note": checkpoint.note,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "public_key": checkpoint.public_key,
            "key_id": checkpoint.key_id,
        },
        "how_to_verify": (
            "content_hash = SHA-256 of the canonical JSON of 'plaque' (sorted keys, no spaces,"
            " UTF-8) and must equal entry.hash; leaf_hash = SHA-256(0x00 || canonical JSON of"
            " 'entry');"
            " check the RFC 9162 inclusion proof of that leaf at entry.index against the"
            " checkpoint's root; check the checkpoint note's Ed25519 signature with the"
            " archive's public key, which you should get from the archive, not from here."
        ),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})


@login_required
def document_sign_page(request, document_id: int):
    """The signer's page: the exact text, password again, consent, a signature pad."""
    document = access.document_for_user(request.user, project_id=None, document_id=document_id)
    error = None
    if request.method == "POST":
        try:
            reauth.reauthenticate(request=request, password=request.POST.get("password", ""))
            document = services.document_sign(
                document=document,
                user=request.user,
                consent=request.POST.get("consent") == "on",
                signature_image=_drawn_signature(request.POST.get("signature", "")),
                context=services.signing_context(request),
            )
            return redirect("responsibility-sign-page", document_id=document.pk)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return render(
        request,
        "responsibility/sign.html",
        {
            "document": document,
            "may_sign": document.signer.user_id == request.user.pk and not document.is_signed,
            "error": error,
            "reauth_minutes": max(1, settings.SIGNING_REAUTH_SECONDS // 60),
            "breadcrumbs": crumbs(document.project, (document.number, None)),
        },
        status=400 if error else 200,
    )


@login_required
def document_pdf_page(request, document_id: int):
    document = access.document_for_user(request.user, project_id=None, document_id=document_id)
    if document.pdf is None:
        raise not_found()
    return download_redirect(document.pdf, download_name=f"{document.number}.pdf")


def _drawn_signature(data_url: str):
    """The signature pad sends a PNG data URL; an empty pad sends nothing."""
    prefix = "data:image/png;base64,"
    if not data_url:
        return None
    if not data_url.startswith(prefix):
        raise ValidationError(_("The drawn signature must be a PNG image."))
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The drawn signature could not be read; draw it again.")) from None
    upload = io.BytesIO(data)
    upload.name = "signature.png"
    return upload


@login_required
def oversight_page(request):
    """The regulator's jurisdiction dashboard: counts, two charts, the projects with the most
    open items and a page of each list, filtered by the query string."""
    projects = access.oversight_projects(request.user)
    form = DashboardForm(request.GET, districts=oversight.district_choices(projects))
    context = {"form": form, "nav_active": "oversight"}
    if not form.is_valid():
        return render(request, "responsibility/oversight.html", context, status=400)
    board = oversight.dashboard(projects=projects, **form.filters())
    for page in board.lists:
        page.previous_url = _page_url(request, page.kind.key, page.number - 1, page.pages)
        page.next_url = _page_url(request, page.kind.key, page.number + 1, page.pages)
    context |= {
        "board": board,
        "kinds": [page.kind for page in board.lists],
        "months": months_chart(board),
        "stages": stages_chart(board),
    }
    return render(request, "responsibility/oversight.html", context)


def _page_url(request, key: str, number: int, pages: int) -> str | None:
    """The dashboard with page ``number`` of list ``key`` and every other parameter kept."""
    if not 1 <= number <= pages:
        return None
    query = request.GET.copy()
    query[page_parameter(key)] = str(number)
    return f"{request.path}?{query.urlencode()}#{key}"


def _defect_crumbs(project, *rest) -> list[tuple[str, str | None]]:
    if not rest:
        return crumbs(project, (_("Defect cases"), None))
    cases = reverse("defect-case-list-page", args=[project.pk])
    return crumbs(project, (_("Defect cases"), cases), *rest)


@login_required
def defect_case_list_page(request, project_id: int):
    project = access.defect_case_project_for_user(request.user, project_id)
    return render(
        request,
        "responsibility/defect_case_list.html",
        {
            "project": project,
            "cases": selectors.defect_case_list(user=request.user, project=project),
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(project),
        },
    )


@login_required
def defect_case_page(request, project_id: int, case_id: int):
    """One case with its photos (thumbnails, each opening its preview) and its trace."""
    case = access.defect_case_for_user(request.user, project_id, case_id)
    photos = inspections_selectors.photo_list(user=request.user, project=case.project).filter(
        subject_type__app_label="responsibility",
        subject_type__model="defectcase",
        subject_id=case.pk,
    )
    return render(
        request,
        "responsibility/defect_case.html",
        {
            "project": case.project,
            "case": case,
            "photos": photos.order_by("received_at", "pk"),
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(case.project, (case.number, None)),
        },
    )
