"""Pages for signers: what I must sign and what I signed (/documents/), and the verification
of a signed PDF that anyone signed in can use (/verify/). The signing itself stays on
/sign/<id>/ (views.document_sign_page)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responsibility import selectors
from responsibility.verify import signed_pdf_size_check, signed_pdf_verify_for_user
from storage.uploads import RequestTooLarge

PDF_MAGIC = b"%PDF-"


def signing_work_context(request, project=None, *, sign_offs: bool = True) -> dict:
    """What ``request.user`` must sign, for "my work" (or one project's page): the letters
    and pledges with their deadlines, and the acceptance records waiting for their sign-off
    as a lead. Renders with responsibility/partials/to_sign.html."""
    documents = selectors.documents_to_sign(user=request.user)
    sign_offs = selectors.lead_sign_offs_waiting(user=request.user) if sign_offs else []
    if project is not None:
        documents = [item for item in documents if item.document.project_id == project.pk]
        sign_offs = [item for item in sign_offs if item.record.project_id == project.pk]
    return {
        "documents_to_sign": documents,
        "sign_offs_waiting": sign_offs,
        "to_sign_count": len(documents) + len(sign_offs),
    }


def _trail(current: str) -> list[tuple[str, str | None]]:
    return [(_("My work"), reverse("home")), (current, None)]


@login_required
def my_documents_page(request):
    """The signer's letters and pledges: to sign, with deadlines; signed, with the PDF, the
    evidence and the corrections."""
    return render(
        request,
        "responsibility/my_documents.html",
        {
            **signing_work_context(request),
            "signed_documents": selectors.documents_signed_by_user(user=request.user),
            "nav_active": "home",
            "breadcrumbs": _trail(_("My letters and pledges")),
        },
    )


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Signed PDF"),
        help_text=gettext_lazy("The PDF of a letter or pledge downloaded from the archive."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        signed_pdf_size_check(upload.size)
        upload.seek(0)
        if not upload.read(1024).lstrip().startswith(PDF_MAGIC):
            raise forms.ValidationError(
                _(
                    "This file is not a PDF. Choose the signed PDF of a letter or pledge, as"
                    " downloaded from the archive."
                ),
                code="not_pdf",
            )
        upload.seek(0)
        return upload


@login_required
def verify_pdf_page(request):
    """Upload a signed PDF and read, in plain words, what the verification finds: the
    archive's signature, the hash in the ledger, the document, who signed it and when."""
    result = None
    form = VerifyForm()
    status = 200
    if request.method == "POST":
        try:
            form = VerifyForm(request.POST, request.FILES)
            valid = form.is_valid()
        except RequestTooLarge as exc:
            # Refused from its declared length before a byte was read: say so at the field.
            form = VerifyForm(data={})
            valid = form.is_valid()
            form.errors["file"] = form.error_class([exc.message])
        if valid:
            result = signed_pdf_verify_for_user(request.user, form.cleaned_data["file"].read())
            if not result.readable:
                form.add_error("file", result.problems[0])
                result = None
        status = 200 if result is not None else 400
    return render(
        request,
        "responsibility/verify.html",
        {
            "form": form,
            "result": result,
            "nav_active": "home",
            "breadcrumbs": _trail(_("Verify a signed PDF")),
        },
        status=status,
    )
