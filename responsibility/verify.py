"""Is this signed PDF one of ours, unaltered? Archive signature, ledger, evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ledger.canonical import record_hash, record_type
from ledger.models import LedgerEntry
from responsibility import signing
from responsibility.models import ResponsibilityDocument


@dataclass
class PdfVerification:
    valid: bool = False
    document: ResponsibilityDocument | None = None
    sha256: str = ""
    problems: list[str] = field(default_factory=list)


def signed_pdf_verify(data: bytes) -> PdfVerification:
    result = PdfVerification(sha256=hashlib.sha256(data).hexdigest())
    try:
        check = signing.pdf_signature_check(data)
    except Exception:  # noqa: BLE001 - any parse failure means the file is not a valid PDF
        check = False
    if check is False:
        result.problems.append(_("The file cannot be read as a PDF: it is damaged or not a PDF."))
    elif check is None:
        result.problems.append(_("The PDF carries no archive signature."))
    else:
        if not check.intact:
            result.problems.append(
                _("The archive signature does not match the content: the PDF was altered.")
            )
        elif not check.trusted:
            result.problems.append(_("The PDF was signed with a key that is not the archive's."))
        if not check.covers_whole_file:
            result.problems.append(_("The PDF was changed after the archive signed it."))
    document = (
        ResponsibilityDocument.objects.filter(pdf__sha256=result.sha256)
        .select_related("signer", "pdf")
        .first()
    )
    if document is None:
        result.problems.append(
            _("No signed letter or pledge in the archive has this file's SHA-256 hash.")
        )
    else:
        result.document = document
        signed_entry = LedgerEntry.objects.filter(
            record_type=record_type(document),
            record_id=str(document.pk),
            action=LedgerEntry.Action.SIGN,
        ).last()
        if signed_entry is None:
            result.problems.append(_("The ledger has no record of this document being signed."))
        elif document.status == ResponsibilityDocument.Status.SIGNED and (
            signed_entry.content_hash != record_hash(document)
        ):
            result.problems.append(
                _("The document's record no longer matches its ledger entry from signing.")
            )
        if not hasattr(document, "evidence"):
            result.problems.append(_("The signing evidence for this document is missing."))
    result.valid = not result.problems
    return result
