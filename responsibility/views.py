"""Pages: the public plaque verification page (no login), the signing page, the oversight
lists and a project's defect cases: opening one, the case with its legal holds and its
closing, and its trace (the answer first, then the evidence with its verified badges)."""

from __future__ import annotations

import base64
import binascii
import io
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.pages import crumbs, see_other, service_errors
from inspections import selectors as inspections_selectors
from ledger.canonical import canonical_json
from ledger.proofs import RecordChecks
from projects import reauth
from projects.access import PublicNotFound, not_found, unit_works_visible_to
from projects.models import MANDATORY_ROLES, AuditEvent
from projects.selectors import locations_in_tree_order
from projects.services import audit_event_record
from responsibility import access, defects, oversight, plaques, selectors, services
from responsibility.dashboard import DashboardForm, months_chart, page_parameter, stages_chart
from responsibility.forms import DefectCaseCloseForm, DefectCaseForm
from responsibility.models import DefectCaseHold, Plaque
from responsibility.signing import SigningUnavailable
from responsibility.trace import (
    records_in_tree_order,
    trace_answer,
    trace_collect,
    trace_records,
)
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
            "checked": [(plaques.VERIFIED_KINDS[k], n) for k, n in verification.kinds],
            "not_checked": plaques.VERIFIED_NOT,
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
        # What the archive checked before saying "verified" on the public page, in words.
        "verified": {
            "ok": verification.ok,
            "records_checked": {
                kind: {"count": count, "what": str(plaques.VERIFIED_KINDS[kind])}
                for kind, count in verification.kinds
            },
            "proven_at_checkpoint": verification.proven,
            "changed_after_checkpoint": verification.newer,
            "mismatched": verification.mismatched,
            "how": (
                "Each record's current content hashed and compared with its newest ledger"
                " entry, that entry's leaf hash rebuilt, its RFC 9162 inclusion proof checked"
                " against the latest checkpoint, and the checkpoint's Ed25519 signature"
                " checked with the archive key."
            ),
            "not_checked": str(plaques.VERIFIED_NOT),
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
    error, status = None, 200
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
            status = 400
        except SigningUnavailable as exc:
            error, status = exc.message, 503
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
        status=status,
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


def _sent(request) -> tuple:
    """What a form is bound to: the POST's data and files, or nothing on a GET."""
    if request.method == "POST":
        return (request.POST, request.FILES)
    return (None, None)


@login_required
def defect_case_list_page(request, project_id: int):
    project = access.defect_case_project_for_user(request.user, project_id)
    return render(
        request,
        "responsibility/defect_case_list.html",
        {
            "project": project,
            "cases": selectors.defect_case_list(user=request.user, project=project),
            "may_open": access.may_open_defect_case(request.user, project),
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(project),
        },
    )


@login_required
def defect_case_create_page(request, project_id: int):
    """Open a case (as the API's POST does) with its photos; every refusal beside its field."""
    project = access.defect_case_project_for_user(request.user, project_id, write=True)
    unit_works = list(unit_works_visible_to(request.user).filter(project=project).order_by("pk"))
    form = DefectCaseForm(
        *_sent(request),
        unit_works=unit_works,
        locations=[(u, locations_in_tree_order(unit_work=u)) for u in unit_works],
        initial={
            "discovered_on": timezone.localdate(),
            "unit_work": unit_works[0].pk if len(unit_works) == 1 else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = _defect_case_open(request, project, form)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Case %(number)s is opened; the files of its evidence are on legal hold.")
                % {"number": case.number},
            )
            return see_other("defect-case-page", project.pk, case.pk)
    return render(
        request,
        "responsibility/defect_case_create.html",
        {
            "project": project,
            "form": form,
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(project, (_("Open a defect case"), None)),
        },
        status=400 if form.errors else 200,
    )


@transaction.atomic
def _defect_case_open(request, project, form):
    """The case and its photos, the services the API calls one request each, here in one
    transaction: a refused photo leaves no case behind."""
    data = form.cleaned_data
    unit_work, location = defects.defect_case_place(
        project=project, unit_work_id=data["unit_work"], location_id=data["location"]
    )
    case = defects.defect_case_open(
        project=project,
        unit_work=unit_work,
        location=location,
        discovered_on=data["discovered_on"],
        description=data["description"],
        category=data["category"],
        trigger=data["trigger"],
        actor=request.user,
    )
    for field, fileobj in form.photos():
        try:
            defects.defect_case_photo_add(case=case, fileobj=fileobj, actor=request.user)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    return case


@login_required
def defect_case_page(request, project_id: int, case_id: int):
    """One case with its photos, the files it holds (legal hold) and, for its regulators,
    closing it with a reason."""
    closing = request.method == "POST"
    case = access.defect_case_for_user(request.user, project_id, case_id, close=closing)
    close_form = DefectCaseCloseForm(request.POST if closing else None)
    if closing and close_form.is_valid():
        try:
            defects.defect_case_close(
                case=case, reason=close_form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            service_errors(close_form, exc)
        else:
            lifted = DefectCaseHold.objects.filter(case=case, stored_object__legal_hold=False)
            count = lifted.count()
            messages.success(
                request,
                ngettext(
                    "The case is closed; the legal hold on %(count)s file is lifted.",
                    "The case is closed; the legal holds on %(count)s files are lifted.",
                    count,
                )
                % {"count": count},
            )
            return see_other("defect-case-page", case.project_id, case.pk)
    photos = list(
        inspections_selectors.photo_list(user=request.user, project=case.project)
        .filter(
            subject_type__app_label="responsibility",
            subject_type__model="defectcase",
            subject_id=case.pk,
        )
        .order_by("received_at", "pk")
    )
    holds = list(selectors.defect_case_holds(case=case))
    checks = RecordChecks([case, *photos, *holds, *(h.stored_object for h in holds)])
    return render(
        request,
        "responsibility/defect_case.html",
        {
            "project": case.project,
            "case": case,
            "photos": photos,
            "holds": holds,
            "held_now": sum(1 for h in holds if h.released_at is None),
            "checks": checks,
            "may_close": case.is_open and access.may_close_defect_case(request.user, case.project),
            "close_form": close_form,
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(case.project, (case.number, None)),
        },
        status=400 if close_form.errors else 200,
    )


ROLE_ORDER = {role: n for n, role in enumerate(MANDATORY_ROLES)}


@login_required
def defect_trace_page(request, project_id: int, case_id: int):
    """The answer first — who was responsible for the work and the materials at the case's
    location — then the evidence it rests on, each record with its verified badge. Each
    view is audited, as the API's trace is."""
    case = access.defect_case_for_user(request.user, project_id, case_id)
    data = trace_collect(case)
    checks = RecordChecks(trace_records(data))
    audit_event_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW_TRACE,
        subject=case,
        project=case.project,
        request=request,
    )
    return render(
        request,
        "responsibility/defect_trace.html",
        {
            "project": case.project,
            "case": case,
            "data": data,
            "answer": trace_answer(data),
            "records": records_in_tree_order(data),
            "tenures": sorted(data.tenures, key=lambda t: (ROLE_ORDER[t.role], t.start_date)),
            "checks": checks,
            "nav_active": "projects",
            "breadcrumbs": _defect_crumbs(
                case.project,
                (case.number, reverse("defect-case-page", args=[case.project_id, case.pk])),
                (_("Trace"), None),
            ),
        },
    )
