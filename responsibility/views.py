"""Pages: the public plaque verification page (no login) and the signing page."""

from __future__ import annotations

import base64
import binascii
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from projects.access import not_found
from responsibility import access, plaques, services
from responsibility.api import reauthenticate, signing_context
from responsibility.models import Plaque, ResponsibilityDocument
from storage.selectors import object_download_url


def plaque_public(request, token: str):
    """What a passer-by sees after scanning the plaque: names, never ID or phone numbers."""
    plaque = get_object_or_404(Plaque.objects.select_related("unit_work__project"), token=token)
    project = plaque.unit_work.project
    return render(
        request,
        "responsibility/plaque_public.html",
        {
            "plaque": plaque,
            "content": plaque.content,
            "verified": plaques.project_records_verify(project),
        },
    )


@login_required(login_url="rest_framework:login")
def document_sign_page(request, document_id: int):
    """The signer's page: the exact text, password again, consent, a signature pad."""
    document = ResponsibilityDocument.objects.filter(pk=document_id).only("project_id").first()
    if document is None:
        raise not_found()
    document = access.document_for_user(request.user, document.project_id, document_id)
    error = None
    if request.method == "POST":
        try:
            reauthenticate(request, request.POST.get("password", ""))
            document = services.document_sign(
                document=document,
                user=request.user,
                consent=request.POST.get("consent") == "on",
                signature_image=_drawn_signature(request.POST.get("signature", "")),
                context=signing_context(request),
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
        },
        status=400 if error else 200,
    )


@login_required(login_url="rest_framework:login")
def document_pdf_page(request, document_id: int):
    document = ResponsibilityDocument.objects.filter(pk=document_id).only("project_id").first()
    if document is None:
        raise not_found()
    document = access.document_for_user(request.user, document.project_id, document_id)
    if document.pdf is None:
        raise not_found()
    return redirect(object_download_url(obj=document.pdf, download_name=f"{document.number}.pdf"))


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
