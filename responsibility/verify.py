"""Is this signed PDF one of ours, unaltered? Archive signature, ledger, evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ledger.canonical import record_hash, record_type
from ledger.models import ENTRY_ORDER, LedgerEntry
from responsibility import access, signing
from responsibility.models import ResponsibilityDocument
from storage.validation import size_text


@dataclass
class PdfVerification:
    valid: bool = False
    document: ResponsibilityDocument | None = None
    sha256: str = ""
    problems: list[str] = field(default_factory=list)
    # What a person reads first: could the file be read, does the archive's signature hold,
    # is its hash the hash of a signed document whose ledger entry matches.
    readable: bool = True
    signature_valid: bool = False
    ledger_matches: bool = False
    # The PAdES level proven offline from the material inside the PDF (B-B, B-T, B-LT,
    # B-LTA), "" when the signature does not hold; and how many document timestamps it has.
    level: str = ""
    document_timestamps: int = 0


def signed_pdf_verify(data: bytes) -> PdfVerification:
    result = PdfVerification(sha256=hashlib.sha256(data).hexdigest())
    try:
        check = signing.pdf_signature_check(data)
    except Exception:  # noqa: BLE001 - any parse failure means the file is not a valid PDF
        check = False
    if check is False:
        result.readable = False
        result.problems.append(_("The file cannot be read as a PDF: it is damaged or not a PDF."))
    elif check is None:
        result.problems.append(_("The PDF carries no archive signature."))
    else:
        if not check.intact:
            result.problems.append(
                _("The archive signature does not match the content: the PDF was altered.")
            )
        elif not check.trusted and check.timestamps:
            result.problems.append(
                _(
                    "The long-term proof has lapsed: the certificate of the PDF's newest"
                    " document timestamp expired on %(date)s and no fresh timestamp was added."
                )
                % {"date": f"{check.last_timestamp_tsa_expires:%Y-%m-%d}"}
            )
        elif not check.trusted:
            result.problems.append(_("The PDF was signed with a key that is not the archive's."))
        if not check.covers_whole_file:
            result.problems.append(_("The PDF was changed after the archive signed it."))
        result.signature_valid = check.intact and check.trusted and check.covers_whole_file
        result.level = check.level or ""
        result.document_timestamps = check.timestamps
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
        entries = list(
            LedgerEntry.objects.filter(
                record_type=record_type(document), record_id=str(document.pk)
            )
            .order_by(*ENTRY_ORDER)
            .values_list("action", "content_hash")
        )
        if not any(action == LedgerEntry.Action.SIGN for action, _hash in entries):
            result.problems.append(_("The ledger has no record of this document being signed."))
        elif entries[-1][1] != record_hash(document):
            # The newest entry: signing, superseding or a timestamp refresh.
            result.problems.append(
                _("The document's record no longer matches its ledger entry from signing.")
            )
        else:
            result.ledger_matches = True
        expected = document.signature_level
        if (
            result.signature_valid
            and expected == ResponsibilityDocument.SignatureLevel.B_LTA
            and result.level != expected
        ):
            result.problems.append(
                _(
                    "The archive signed this PDF at PAdES %(expected)s, but the validation"
                    " material inside it proves only %(level)s: it was stripped or damaged."
                )
                % {"expected": expected, "level": result.level or "-"}
            )
        if not hasattr(document, "evidence"):
            result.problems.append(_("The signing evidence for this document is missing."))
    result.valid = not result.problems
    return result


def signed_pdf_size_check(size: int) -> None:
    """Refuse a file larger than any upload the archive takes before reading it."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _(
                "This file is %(size)s; a signed letter or pledge is far smaller, and the"
                " largest file accepted is %(limit)s."
            )
            % {"size": size_text(size), "limit": size_text(limit)},
            code="too_large",
        )


def signed_pdf_verify_for_user(user, data: bytes) -> PdfVerification:
    """``signed_pdf_verify``, naming the document only to someone who may see it: the
    verdict on the file is anyone's, the record behind it is its project's."""
    result = signed_pdf_verify(data)
    document = result.document
    visible = access.documents_visible_to(user)
    if document is not None and not visible.filter(pk=document.pk).exists():
        result.document = None
    return result
